package dev.jemu.block.qcow2;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.Preallocation;
import dev.jemu.block.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.peekLong;
import static dev.jemu.block.TestImages.poke;
import static dev.jemu.block.TestImages.pokeInt;
import static dev.jemu.block.TestImages.pokeLong;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of damaged image gets one clear line naming the problem, QEMU's block layer's
 * (the tools put the image's name before it, as qemu-img's "Could not open 'x.qcow2': ").
 */
class BadImageTest {
    @TempDir
    Path dir;

    private Path fresh(String name) throws IOException {
        Path img = dir.resolve(name);
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "4M");
        qemuIo(img, "qcow2", "write -P 0x42 0 128k");
        return img;
    }

    private String openError(Path img, boolean readOnly) {
        BlockException e = assertThrows(BlockException.class, () -> TestImages.open(img, "qcow2", readOnly).close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private String readError(Path img, long off, int len) throws IOException {
        BlockDriverState bs = TestImages.open(img, "qcow2", true);
        try {
            BlockException e = assertThrows(BlockException.class, () -> TestImages.read(bs, off, len));
            assertFalse(e.getMessage().contains("\n"));
            return e.getMessage();
        } finally {
            bs.close();
        }
    }

    @Test
    void rejectsTruncatedHeader() throws IOException {
        Path img = fresh("t.qcow2");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(50);
        }
        assertTrue(openError(img, true).contains("qcow2 header too short"));
    }

    @Test
    void rejectsTruncatedTables() throws IOException {
        Path img = fresh("tt.qcow2");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(0x18000);
        }
        assertTrue(openError(img, false).contains("beyond the end of the file"));
    }

    @Test
    void rejectsClusterBitsOutOfRange() throws IOException {
        Path img = fresh("cb.qcow2");
        pokeInt(img, 20, 30);
        assertTrue(openError(img, true).contains("cluster size"));
        pokeInt(img, 20, 8);
        assertTrue(openError(img, true).contains("cluster size"));
    }

    @Test
    void rejectsUnalignedAndOverlappingL1() throws IOException {
        Path img = fresh("l1.qcow2");
        long l1 = peekLong(img, 40);
        pokeLong(img, 40, l1 + 8);
        assertTrue(openError(img, true).contains("Active L1 table offset invalid"));
        pokeLong(img, 40, 0x10000);
        assertTrue(openError(img, false).contains("overlaps the refcount table"));
        pokeLong(img, 40, 0);
        assertTrue(openError(img, false).contains("overlaps the image header"));
    }

    /** Issue 16 mutant "snapshots_offset 0x0->0x8" with no snapshots: qemu-img refuses it too. */
    @Test
    void rejectsUnalignedEmptySnapshotTable() throws IOException {
        Path img = fresh("snapoff.qcow2");
        pokeLong(img, 64, 8);
        assertEquals(1, TestImages.exec("qemu-img", "check", img.toString()).exit());
        assertTrue(openError(img, true).contains("Snapshot table offset invalid"), openError(img, true));
    }

    @Test
    void rejectsUnknownIncompatibleFeature() throws IOException {
        Path img = fresh("f.qcow2");
        pokeLong(img, 72, 1L << 20);
        assertTrue(openError(img, true).contains("Unsupported qcow2 feature"));
    }

    @Test
    void opensCorruptImageReadOnlyOnly() throws IOException {
        Path img = fresh("c.qcow2");
        pokeLong(img, 72, Qcow2Header.INCOMPAT_CORRUPT);
        assertTrue(openError(img, false).contains("Image is corrupt; cannot be opened read/write"));
        TestImages.open(img, "qcow2", true).close();
    }

    @Test
    void rejectsRefcountBlockPointingAtHeader() throws IOException {
        Path img = fresh("rb.qcow2");
        pokeLong(img, 0x10000, 0x200);
        assertTrue(openError(img, false).contains("refcount block"));
    }

    @Test
    void rejectsVirtualSizeNear2To63() throws IOException {
        Path img = fresh("big.qcow2");
        pokeLong(img, 24, Long.MAX_VALUE);
        assertTrue(openError(img, true).contains("Image is too big"));
        pokeLong(img, 24, 0x7fffffffffff0000L);
        assertTrue(openError(img, true).contains("Image is too big"));
        BlockException e = assertThrows(BlockException.class, () -> Qcow2Create.create(
                dir.resolve("huge.qcow2").toString(), new Qcow2Create.Options(Long.MAX_VALUE - 511, 512, 3, 16,
                        false, Preallocation.OFF, null, null)));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void reportsL2TableBeyondEndOfFileOnRead() throws IOException {
        Path img = fresh("l2.qcow2");
        long l1 = peekLong(img, 40);
        pokeLong(img, l1, (1L << 63) | (1L << 40));
        assertEquals(img + ": Image is corrupt: L2 table offset 0x10000000000 is beyond the end of the file",
                readError(img, 0, 4096));
        pokeLong(img, l1, (1L << 63) | 0x50200L);
        assertTrue(readError(img, 0, 4096).contains("unaligned"));
    }

    @Test
    void reportsDataClusterBeyondEndOfFileAsIoError() throws IOException {
        Path img = fresh("d.qcow2");
        long l1 = peekLong(img, 40);
        long l2 = peekLong(img, l1) & Qcow2Driver.L1E_OFFSET_MASK;
        pokeLong(img, l2, (1L << 63) | (1L << 36));
        assertEquals(img + ": Input/output error: data cluster 0x1000000000 for guest offset 0x0 is beyond the end"
                + " of the file", readError(img, 0, 512));
        BlockDriverState bs = TestImages.open(img, "qcow2", true);
        try {
            assertEquals(0x42, TestImages.read(bs, 65536, 1)[0], "other clusters stay readable");
        } finally {
            bs.close();
        }
    }

    @Test
    void reportsGarbageCompressedDataAsIoError() throws IOException {
        Path src = dir.resolve("s.raw");
        Files.write(src, new byte[1 << 20]);
        byte[] some = new byte[1 << 20];
        for (int i = 0; i < some.length; i++) {
            some[i] = (byte) (i / 100);
        }
        Files.write(src, some);
        Path img = dir.resolve("gc.qcow2");
        ok("qemu-img", "convert", "-c", "-O", "qcow2", src.toString(), img.toString());
        long l1 = peekLong(img, 40);
        long l2 = peekLong(img, l1) & Qcow2Driver.L1E_OFFSET_MASK;
        long e = peekLong(img, l2);
        assertTrue((e & Qcow2Driver.OFLAG_COMPRESSED) != 0);
        long host = e & ((1L << (62 - 8)) - 1);
        poke(img, host, TestImages.pattern(300, 1));
        assertTrue(readError(img, 0, 4096).contains("does not decompress"));
    }

    @Test
    void rejectsBackingChainLoop() throws IOException {
        Path a = dir.resolve("a.qcow2");
        Path b = dir.resolve("b.qcow2");
        Qcow2Create.create(a.toString(), new Qcow2Create.Options(1 << 20, 65536, 3, 16, false, Preallocation.OFF,
                "b.qcow2", "qcow2"));
        Qcow2Create.create(b.toString(), new Qcow2Create.Options(1 << 20, 65536, 3, 16, false, Preallocation.OFF,
                "a.qcow2", "qcow2"));
        assertTrue(openError(a, true).contains("loop"));
    }

    @Test
    void rejectsBackingChainThousandDeep() throws IOException {
        int depth = 1000;
        for (int i = 0; i < depth; i++) {
            Qcow2Create.create(dir.resolve("n" + i + ".qcow2").toString(), new Qcow2Create.Options(1 << 20, 65536,
                    3, 16, false, Preallocation.OFF, i == 0 ? null : "n" + (i - 1) + ".qcow2", "qcow2"));
        }
        String msg = openError(dir.resolve("n" + (depth - 1) + ".qcow2"), true);
        assertTrue(msg.contains("backing chain is deeper than"), msg);
    }

    @Test
    void rejectsInvalidHeaderLengthAndLongBackingName() throws IOException {
        Path img = fresh("h.qcow2");
        pokeInt(img, 100, 101);
        assertTrue(openError(img, true).contains("qcow2 header too short"));
        Path img2 = fresh("bn.qcow2");
        pokeLong(img2, 8, 0x200);
        pokeInt(img2, 16, 5000);
        assertTrue(openError(img2, true).contains("Backing file name too long"));
    }
}
