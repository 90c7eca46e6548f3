package dev.jemu.block.qcow2;

import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.SyncIo;
import dev.jemu.block.TestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Qcow2Check against qemu-img check on the same damaged image. */
class Qcow2CheckTest {
    @TempDir
    Path dir;

    private static long jsonField(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** A refcount that cannot be read is a check error with a message, never a refcount of 0. */
    @Test
    void unreadableRefcountBlockIsACheckErrorAsInQemuImg() throws IOException {
        Path img = dir.resolve("t.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "1M");
        qemuIo(img, "qcow2", "write -P 1 0 64k");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(48);
            long reftable = f.readLong();
            f.seek(reftable);
            long block = f.readLong();
            f.seek(reftable);
            f.writeLong(block + 0x200);
        }
        TestImages.Run oracle = TestImages.exec("qemu-img", "check", "--output=json", img.toString());
        long corruptions = jsonField(oracle.out(), "corruptions");
        long checkErrors = jsonField(oracle.out(), "check-errors");
        assertTrue(checkErrors > 0, "qemu-img reports check errors: " + oracle.out());
        BlockDriverState bs = TestImages.open(img, "qcow2", true);
        Qcow2Check.Result r;
        try {
            r = SyncIo.call(() -> ((Qcow2Driver) bs.driver()).check(Qcow2Check.NO_REPAIR));
        } finally {
            bs.close();
        }
        assertEquals(checkErrors, r.checkErrors(), r.messages().toString());
        assertEquals(corruptions, r.corruptions(), r.messages().toString());
        assertEquals(0, r.leaks(), r.messages().toString());
        assertTrue(r.messages().stream().anyMatch(m -> m.startsWith("Can't get refcount for cluster 0: ")),
                r.messages().toString());
    }

    /** jemu's check through the open jemu-img check uses: read-only, writable for a repair. */
    private static Qcow2Check.Result jemuCheck(Path img, int fix) throws IOException {
        boolean ro = fix == Qcow2Check.NO_REPAIR;
        BlockDriverState bs = new BlockDriverState(Qcow2Driver.open(BlockGraph.open(BlockOptions.empty()
                .put("driver", "file").put("filename", img.toString()).put("read-only", ro ? "on" : "off")), ro,
                null, null, true), img.toString(), ro);
        try {
            return SyncIo.call(() -> ((Qcow2Driver) bs.driver()).check(fix));
        } finally {
            bs.close();
        }
    }

    /** Asserts jemu's check reports qemu-img's corruption and leak counts on {@code img}. */
    private static void assertSameCounts(Path img) throws IOException {
        TestImages.Run oracle = TestImages.exec("qemu-img", "check", "--output=json", img.toString());
        Qcow2Check.Result r = jemuCheck(img, Qcow2Check.NO_REPAIR);
        assertEquals(jsonField(oracle.out(), "corruptions"), r.corruptions(), r.messages() + "\n" + oracle.err());
        assertEquals(jsonField(oracle.out(), "leaks"), r.leaks(), r.messages() + "\n" + oracle.err());
    }

    private Path imageWithData() throws IOException {
        Path img = dir.resolve("d.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", img.toString(), "8M");
        qemuIo(img, "qcow2", "write -P 1 0 12k");
        return img;
    }

    /** Mutant class "l2 reserved bit": one corruption for the bits, the cluster still counted. */
    @Test
    void reservedBitsInAnL2EntryCountAsInQemuImg() throws IOException {
        Path img = imageWithData();
        long l2 = TestImages.peekLong(img, TestImages.peekLong(img, 40)) & Qcow2Driver.L1E_OFFSET_MASK;
        TestImages.pokeLong(img, l2, TestImages.peekLong(img, l2) | 1L << 57);
        assertSameCounts(img);
        assertTrue(jemuCheck(img, Qcow2Check.NO_REPAIR).messages().stream()
                .anyMatch(m -> m.startsWith("ERROR found l2 entry with reserved bits set: ")));
    }

    /** Mutant class "l1 0x0->0x8000000000000000": a non-zero entry pointing at 0 reads the header as an L2 table. */
    @Test
    void l1EntryWithOnlyTheCopiedFlagIsCheckedAsQemuImgDoes() throws IOException {
        Path img = imageWithData();
        TestImages.pokeLong(img, TestImages.peekLong(img, 40) + 8, 1L << 63);
        assertSameCounts(img);
    }

    /** Mutant class "snapshot extra_data_size 0x18->0x4": a version 3 entry without the disk size is incomplete. */
    @Test
    void incompleteSnapshotEntryIsACorruption() throws IOException {
        Path img = imageWithData();
        ok("qemu-img", "snapshot", "-c", "s1", img.toString());
        long table = TestImages.peekLong(img, 64);
        TestImages.pokeInt(img, table + 36, 4);
        assertSameCounts(img);
        assertTrue(jemuCheck(img, Qcow2Check.NO_REPAIR).messages()
                .contains("ERROR snapshot table entry 0 is incomplete"));
    }

    /** Mutant class "reftable past EOF": opens for repair as in qemu-img, and the repair leaves a clean image. */
    @Test
    void refcountBlockPastTheEndOpensForRepairAndIsRepaired() throws IOException {
        Path img = imageWithData();
        long reftable = TestImages.peekLong(img, 48);
        long end = java.nio.file.Files.size(img);
        TestImages.pokeLong(img, reftable + 8, end + 4096);
        assertSameCounts(img);
        Path copy = dir.resolve("copy.qcow2");
        java.nio.file.Files.copy(img, copy);
        TestImages.Run oracle = TestImages.exec("qemu-img", "check", "-r", "all", "--output=json", copy.toString());
        assertEquals(0, oracle.exit(), oracle.out() + oracle.err());
        Qcow2Check.Result r = jemuCheck(img, Qcow2Check.REPAIR_ALL);
        assertEquals(0, r.corruptions(), r.messages().toString());
        assertTrue(r.corruptionsFixed() > 0, r.messages().toString());
        TestImages.assertCleanCheck(img);
    }

    /**
     * Mutant classes "snapshot extra_data_size 0x18->0x401" and "0x18->0x4": a damaged inactive
     * snapshot entry opens for repair, as in qemu-img, and check -r all rewrites the snapshot
     * table as qemu-img does, after which qemu-img finds the image clean.
     */
    @Test
    void snapshotEntriesWithTooMuchOrTooLittleExtraDataAreRepairedAsInQemuImg() throws IOException {
        for (int extra : new int[] {1025, 4}) {
            Path img = dir.resolve("snap" + extra + ".qcow2");
            ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", img.toString(), "8M");
            qemuIo(img, "qcow2", "write -P 1 0 12k");
            ok("qemu-img", "snapshot", "-c", "s1", img.toString());
            qemuIo(img, "qcow2", "write -P 2 1M 16k");
            TestImages.pokeInt(img, TestImages.peekLong(img, 64) + 36, extra);
            if (extra < Qcow2Snapshot.MAX_EXTRA) {
                assertSameCounts(img); // with too much extra data neither tool opens it for a plain check
            }
            Path copy = dir.resolve("copy" + extra + ".qcow2");
            java.nio.file.Files.copy(img, copy);
            TestImages.Run oracle = TestImages.exec("qemu-img", "check", "-r", "all", copy.toString());
            assertEquals(0, oracle.exit(), oracle.err());
            Qcow2Check.Result r = jemuCheck(img, Qcow2Check.REPAIR_ALL);
            List<String> repairLines = oracle.err().lines()
                    .filter(l -> l.startsWith("Discarding") || l.startsWith("Repairing snapshot")).toList();
            assertEquals(1, repairLines.size(), oracle.err());
            assertTrue(r.messages().containsAll(repairLines), r.messages() + " vs " + repairLines);
            assertEquals(0, r.corruptions() + r.leaks(), r.messages().toString());
            TestImages.assertCleanCheck(img);
            qemuIo(img, "qcow2", "read -P 2 1M 16k", "read -P 1 0 12k");
        }
    }

    /** Asserts that qemu-img and jemu both repair {@code img} to an image qemu-img finds clean. */
    private void assertRepairedAsQemuImgRepairs(Path img) throws IOException {
        Path copy = dir.resolve("oracle-copy.qcow2");
        java.nio.file.Files.copy(img, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TestImages.Run oracle = TestImages.exec("qemu-img", "check", "-r", "all", copy.toString());
        assertEquals(0, oracle.exit(), oracle.out() + oracle.err());
        Qcow2Check.Result r = jemuCheck(img, Qcow2Check.REPAIR_ALL);
        assertEquals(0, r.corruptions() + r.leaks() + r.checkErrors(), r.messages().toString());
        assertTrue(r.corruptionsFixed() > 0, r.messages().toString());
        TestImages.assertCleanCheck(img);
        qemuIo(img, "qcow2", "read -P 1 0 12k");
    }

    /** Mutant class "refcount_table_offset" past EOF: the table reads as zeros; check -r all rebuilds it. */
    @Test
    void refcountTablePastTheEndIsCheckedAndRebuiltAsInQemuImg() throws IOException {
        Path img = imageWithData();
        TestImages.pokeLong(img, 48, (java.nio.file.Files.size(img) + 4095) & ~4095L);
        assertSameCounts(img);
        assertRepairedAsQemuImgRepairs(img);
    }

    /** Mutant class "refcount_table_clusters 0": no refcount is readable; check -r all rebuilds the structure. */
    @Test
    void refcountTableOfNoClustersIsCheckedAndRebuiltAsInQemuImg() throws IOException {
        Path img = imageWithData();
        TestImages.pokeInt(img, 56, 0);
        assertSameCounts(img);
        assertRepairedAsQemuImgRepairs(img);
    }

    /** Mutant class "l1_table_offset" past EOF: the active L1 table reads as zeros, its region is a corruption. */
    @Test
    void l1TablePastTheEndIsCheckedAsInQemuImg() throws IOException {
        Path img = imageWithData();
        TestImages.pokeLong(img, 40, ((java.nio.file.Files.size(img) + 4095) & ~4095L) + 4096);
        assertSameCounts(img);
    }

    /** Mutant class "nb_snapshots" with a snapshot table offset of 0: the header is read as the table. */
    @Test
    void snapshotTableOverTheHeaderIsCheckedAsInQemuImg() throws IOException {
        Path img = imageWithData();
        TestImages.pokeInt(img, 60, 2);
        assertSameCounts(img);
    }

    /** Mutant class "snapshot id_str_size 0xffff": the entry runs past the end of the file and reads zeros there. */
    @Test
    void snapshotEntryPastTheEndIsCheckedAsInQemuImg() throws IOException {
        Path img = imageWithData();
        ok("qemu-img", "snapshot", "-c", "s1", img.toString());
        TestImages.poke(img, TestImages.peekLong(img, 64) + 12, new byte[] {(byte) 0xff, (byte) 0xff});
        assertSameCounts(img);
    }
}
