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
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 3: deterministic mutants of qcow2 images made by qemu-img (header fields, L1 and
 * L2 entries, refcount table and block entries, snapshot table fields), each checked by qemu-img
 * and by jemu. The verdict (exit code as qemu-img check gives it) and the corruption and leak
 * counts must agree; after jemu's {@code check -r all} reports a clean image, qemu-img must find
 * no error in it; an image qemu-img opens for repair must open for repair in jemu.
 */
class CheckMutationTest {
    private static final int MUTANTS = 300;
    private static final long SEED = 16;

    @TempDir
    Path dir;

    /** What one tool said about one image: the exit code and, when the check ran, the counts. */
    record Verdict(int exit, long corruptions, long leaks, String detail) {
        String brief() {
            return "exit " + exit + " corruptions " + corruptions + " leaks " + leaks;
        }
    }

    /** A seed image and the offsets of its metadata, as read from the file. */
    record Seed(String name, Path path, int clusterSize, long l1Offset, int l1Size, List<Long> l2Offsets,
                long reftableOffset, int reftableClusters, List<Long> refblocks, long snapOffset, int nbSnapshots,
                List<Long> snapEntries, long fileSize) {
    }

    @Test
    void qemuImgAndJemuAgreeOnMutants() throws IOException {
        List<Seed> seeds = List.of(seedWithData(), seedWithSnapshot(), seedWithBacking());
        Random rnd = new Random(SEED);
        List<String> disagreements = new ArrayList<>();
        TreeMap<String, Integer> byKind = new TreeMap<>();
        long started = System.nanoTime();
        for (int n = 0; n < MUTANTS; n++) {
            Seed s = seeds.get(n % seeds.size());
            Path m = dir.resolve("m" + n + ".qcow2");
            Files.copy(s.path(), m, StandardCopyOption.REPLACE_EXISTING);
            String what = mutate(s, m, rnd);
            String problem = compare(m, what);
            if (problem != null) {
                disagreements.add(s.name() + " " + what + ": " + problem);
                byKind.merge(mutantClass(what), 1, Integer::sum);
            }
            Files.deleteIfExists(m);
        }
        System.out.printf("CheckMutationTest: %d mutants in %.1f s, %d disagreements %s%n", MUTANTS,
                (System.nanoTime() - started) / 1e9, disagreements.size(), byKind);
        assertTrue(disagreements.isEmpty(), disagreements.size() + " disagreements:\n"
                + String.join("\n", disagreements));
    }

    /** The class of a mutant: the header field, "snapshot" and its field, or the structure. */
    private static String mutantClass(String what) {
        String[] w = what.split(" ");
        return switch (w[0]) {
            case "l1", "l2", "refblock", "reftable" -> w[0];
            case "snapshot" -> w[0] + " " + w[1];
            default -> w[0];
        };
    }

    /** The disagreement on mutant {@code m}, or null. */
    private String compare(Path m, String what) throws IOException {
        Verdict q = qemuCheck(m, false);
        Verdict j = jemuCheck(m, Qcow2Check.NO_REPAIR);
        if (q.exit() != j.exit() || q.corruptions() != j.corruptions() || q.leaks() != j.leaks()) {
            return "check: qemu-img " + q.brief() + ", jemu " + j.brief() + " [" + j.detail() + "]";
        }
        Path qr = dir.resolve("qr.qcow2");
        Path jr = dir.resolve("jr.qcow2");
        Files.copy(m, qr, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(m, jr, StandardCopyOption.REPLACE_EXISTING);
        Verdict qRepair = qemuCheck(qr, true);
        Verdict jRepair = jemuCheck(jr, Qcow2Check.REPAIR_ALL);
        if (qRepair.exit() != 1 && jRepair.exit() == 1 && jRepair.detail().startsWith("open: ")) {
            return "check -r all: qemu-img opens it (" + qRepair.brief() + "), jemu does not: " + jRepair.detail();
        }
        if (jRepair.exit() == 0) {
            Verdict after = qemuCheck(jr, false);
            if (after.exit() != 0) {
                return "after jemu check -r all reported success, qemu-img check: " + after.brief() + " "
                        + after.detail();
            }
        }
        return null;
    }

    private static long jsonField(String json, String key) {
        Matcher mm = Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
        return mm.find() ? Long.parseLong(mm.group(1)) : 0;
    }

    private Verdict qemuCheck(Path img, boolean repair) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "check", "--output=json"));
        if (repair) {
            cmd.addAll(List.of("-r", "all"));
        }
        cmd.add(img.toString());
        Path err = dir.resolve("qemu-img.err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("qemu-img check timed out on " + img);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String msgs = Files.readString(err);
        msgs = msgs.length() > 300 ? msgs.substring(0, 300) : msgs;
        if (!out.contains("\"check-errors\"")) {
            return new Verdict(p.exitValue(), 0, 0, msgs.strip());
        }
        return new Verdict(p.exitValue(), jsonField(out, "corruptions"), jsonField(out, "leaks"), msgs.strip());
    }

    /**
     * jemu's check with jemu-img check's exit codes and its open ({@link Qcow2Driver#open(
     * BlockDriverState, boolean, Qcow2Driver.BackingOpener, Boolean, boolean)} for a check):
     * read-only for the check, writable for {@code -r}.
     */
    private static Verdict jemuCheck(Path img, int fix) throws IOException {
        BlockDriverState bs;
        try {
            bs = openForCheck(img, fix == Qcow2Check.NO_REPAIR);
        } catch (IOException | RuntimeException e) {
            return new Verdict(1, 0, 0, "open: " + e.getMessage());
        }
        Qcow2Check.Result r;
        try {
            r = SyncIo.call(() -> ((Qcow2Driver) bs.driver()).check(fix));
        } catch (IOException | RuntimeException e) {
            return new Verdict(1, 0, 0, "check: " + e);
        } finally {
            bs.close();
        }
        int exit = r.checkErrors() > 0 ? 1 : r.corruptions() > 0 ? 2 : r.leaks() > 0 ? 3 : 0;
        String msgs = String.join("; ", r.messages());
        return new Verdict(exit, r.corruptions(), r.leaks(), msgs.length() > 300 ? msgs.substring(0, 300) : msgs);
    }

    private static BlockDriverState openForCheck(Path img, boolean readOnly) throws IOException {
        BlockDriverState file = BlockGraph.open(BlockOptions.empty().put("driver", "file")
                .put("filename", img.toString()).put("read-only", readOnly ? "on" : "off"));
        try {
            return new BlockDriverState(Qcow2Driver.open(file, readOnly, null, null, true), img.toString(),
                    readOnly);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    // ================================================================ mutants

    private static String mutate(Seed s, Path m, Random rnd) throws IOException {
        byte[] b = Files.readAllBytes(m);
        ByteBuffer buf = ByteBuffer.wrap(b);
        int cs = s.clusterSize();
        String what;
        int family = rnd.nextInt(6);
        switch (family) {
            case 0 -> what = mutateHeader(s, buf, rnd);
            case 1 -> {
                int i = rnd.nextInt(Math.max(1, Math.min(s.l1Size(), 4)));
                long pos = s.l1Offset() + 8L * i;
                what = "l1 [" + i + "] " + mutateEntry(buf, (int) pos, rnd, cs, s.fileSize(), true);
            }
            case 2 -> {
                long l2 = s.l2Offsets().get(rnd.nextInt(s.l2Offsets().size()));
                int j = pickUsedEntry(buf, l2, cs, rnd);
                what = "l2 @0x" + Long.toHexString(l2) + "[" + j + "] "
                        + mutateEntry(buf, (int) (l2 + 8L * j), rnd, cs, s.fileSize(), false);
            }
            case 3 -> {
                long rb = s.refblocks().get(0);
                int c = rnd.nextInt((int) Math.min(cs / 2, (s.fileSize() + cs - 1) / cs + 2));
                int pos = (int) (rb + 2L * c);
                int old = buf.getShort(pos) & 0xffff;
                int v = switch (rnd.nextInt(4)) {
                    case 0 -> old + 1;
                    case 1 -> Math.max(0, old - 1);
                    case 2 -> 0;
                    default -> 0xffff;
                };
                buf.putShort(pos, (short) v);
                what = "refblock cluster " + c + " " + old + "->" + v;
            }
            case 4 -> {
                int i = rnd.nextInt(3);
                long pos = s.reftableOffset() + 8L * i;
                long old = buf.getLong((int) pos);
                long v = switch (rnd.nextInt(5)) {
                    case 0 -> 0;
                    case 1 -> old + 0x200;
                    case 2 -> roundUp(s.fileSize(), cs) + (long) cs * rnd.nextInt(4);
                    case 3 -> s.l1Offset();
                    default -> s.l2Offsets().get(0);
                };
                buf.putLong((int) pos, v);
                what = "reftable [" + i + "] 0x" + Long.toHexString(old) + "->0x" + Long.toHexString(v);
            }
            default -> what = s.nbSnapshots() > 0 ? mutateSnapshot(s, buf, rnd) : mutateHeader(s, buf, rnd);
        }
        Files.write(m, b);
        return what;
    }

    private static int pickUsedEntry(ByteBuffer buf, long l2, int cs, Random rnd) {
        List<Integer> used = new ArrayList<>();
        for (int j = 0; j < cs / 8; j++) {
            if (buf.getLong((int) (l2 + 8L * j)) != 0) {
                used.add(j);
            }
        }
        return used.isEmpty() || rnd.nextInt(8) == 0 ? rnd.nextInt(cs / 8) : used.get(rnd.nextInt(used.size()));
    }

    private static String mutateEntry(ByteBuffer buf, int pos, Random rnd, int cs, long fileSize, boolean l1) {
        long old = buf.getLong(pos);
        long reserved = l1 ? Qcow2Driver.L1E_RESERVED : Qcow2Driver.L2E_RESERVED;
        long v = switch (rnd.nextInt(7)) {
            case 0 -> old | pickBit(reserved, rnd);
            case 1 -> old ^ Qcow2Driver.OFLAG_COPIED;
            case 2 -> old + 0x200;
            case 3 -> (old & 0xff00000000000000L) | (roundUp(fileSize, cs) + (long) cs * rnd.nextInt(3));
            case 4 -> 0;
            case 5 -> l1 ? old : old | Qcow2Driver.OFLAG_ZERO;
            default -> (old & 0xff00000000000000L) | ((long) cs * (1 + rnd.nextInt((int) (fileSize / cs))));
        };
        buf.putLong(pos, v);
        return "0x" + Long.toHexString(old) + "->0x" + Long.toHexString(v);
    }

    private static long pickBit(long mask, Random rnd) {
        int n = Long.bitCount(mask);
        int k = rnd.nextInt(n);
        long m = mask;
        for (int i = 0; i < k; i++) {
            m &= m - 1;
        }
        return Long.lowestOneBit(m);
    }

    private static String mutateHeader(Seed s, ByteBuffer buf, Random rnd) {
        int cs = s.clusterSize();
        return switch (rnd.nextInt(8)) {
            case 0 -> setInt(buf, 36, "l1_size", rnd.nextBoolean() ? 0 : s.l1Size() + 1 + rnd.nextInt(1000));
            case 1 -> setLong(buf, 40, "l1_table_offset", rnd.nextBoolean() ? s.l1Offset() + 8
                    : roundUp(s.fileSize(), cs) + cs);
            case 2 -> setLong(buf, 48, "refcount_table_offset", rnd.nextBoolean() ? s.reftableOffset() + 0x200
                    : roundUp(s.fileSize(), cs));
            case 3 -> setInt(buf, 56, "refcount_table_clusters", rnd.nextBoolean() ? 0 : s.reftableClusters() + 1);
            case 4 -> setInt(buf, 60, "nb_snapshots", s.nbSnapshots() + 1 + rnd.nextInt(2));
            case 5 -> setLong(buf, 64, "snapshots_offset", s.snapOffset() + (rnd.nextBoolean() ? 8 : cs));
            case 6 -> setLong(buf, 72, "incompatible_features", 1L << rnd.nextInt(5));
            default -> setLong(buf, 24, "size", buf.getLong(24) + 512L * (1 + rnd.nextInt(16)));
        };
    }

    private static String mutateSnapshot(Seed s, ByteBuffer buf, Random rnd) {
        int e = (int) (long) s.snapEntries().get(rnd.nextInt(s.snapEntries().size()));
        int cs = s.clusterSize();
        return "snapshot " + switch (rnd.nextInt(8)) {
            case 0 -> setLong(buf, e, "l1_table_offset", buf.getLong(e) + 0x200);
            case 1 -> setLong(buf, e, "l1_table_offset", roundUp(s.fileSize(), cs) + cs);
            case 2 -> setInt(buf, e + 8, "l1_size", rnd.nextBoolean() ? 0x10000000 : buf.getInt(e + 8) + 1000);
            case 3 -> setShort(buf, e + 12, "id_str_size", 0xffff);
            case 4 -> setShort(buf, e + 14, "name_size", rnd.nextInt(0x10000));
            case 5 -> setInt(buf, e + 36, "extra_data_size", rnd.nextBoolean() ? 1025 : 4);
            case 6 -> setLong(buf, e, "l1_table_offset", s.l1Offset());
            default -> setInt(buf, e + 8, "l1_size", 0);
        };
    }

    private static String setInt(ByteBuffer buf, int pos, String field, int v) {
        int old = buf.getInt(pos);
        buf.putInt(pos, v);
        return field + " 0x" + Integer.toHexString(old) + "->0x" + Integer.toHexString(v);
    }

    private static String setShort(ByteBuffer buf, int pos, String field, int v) {
        int old = buf.getShort(pos) & 0xffff;
        buf.putShort(pos, (short) v);
        return field + " 0x" + Integer.toHexString(old) + "->0x" + Integer.toHexString(v);
    }

    private static String setLong(ByteBuffer buf, int pos, String field, long v) {
        long old = buf.getLong(pos);
        buf.putLong(pos, v);
        return field + " 0x" + Long.toHexString(old) + "->0x" + Long.toHexString(v);
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    // ================================================================ seeds

    private Seed seedWithData() throws IOException {
        Path img = dir.resolve("data.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", img.toString(), "8M");
        qemuIo(img, "qcow2", "write -P 1 0 12k", "write -P 2 2M 8k", "write -c -P 3 4M 4k", "write -z 6M 4k");
        return read("data", img);
    }

    private Seed seedWithSnapshot() throws IOException {
        Path img = dir.resolve("snap.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", img.toString(), "8M");
        qemuIo(img, "qcow2", "write -P 1 0 16k", "write -P 2 3M 4k");
        ok("qemu-img", "snapshot", "-c", "s1", img.toString());
        qemuIo(img, "qcow2", "write -P 5 4k 4k", "write -P 6 5M 4k");
        return read("snapshot", img);
    }

    private Seed seedWithBacking() throws IOException {
        Path base = dir.resolve("base.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "8M");
        qemuIo(base, "qcow2", "write -P 7 0 1M");
        Path img = dir.resolve("overlay.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-b", base.toString(), "-F",
                "qcow2", img.toString());
        qemuIo(img, "qcow2", "write -P 8 8k 8k", "write -P 9 7M 4k");
        return read("backing", img);
    }

    private static Seed read(String name, Path img) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(img));
        int cs = 1 << b.getInt(20);
        int l1Size = b.getInt(36);
        long l1Off = b.getLong(40);
        List<Long> l2 = new ArrayList<>();
        for (int i = 0; i < l1Size; i++) {
            long e = b.getLong((int) (l1Off + 8L * i)) & Qcow2Driver.L1E_OFFSET_MASK;
            if (e != 0) {
                l2.add(e);
            }
        }
        long rtOff = b.getLong(48);
        int rtClusters = b.getInt(56);
        List<Long> rbs = new ArrayList<>();
        for (int i = 0; i < rtClusters * cs / 8; i++) {
            long e = b.getLong((int) (rtOff + 8L * i));
            if (e != 0) {
                rbs.add(e);
            }
        }
        int nb = b.getInt(60);
        long snapOff = b.getLong(64);
        List<Long> entries = new ArrayList<>();
        long pos = snapOff;
        for (int i = 0; i < nb; i++) {
            entries.add(pos);
            int len = 40 + b.getInt((int) pos + 36) + (b.getShort((int) pos + 12) & 0xffff)
                    + (b.getShort((int) pos + 14) & 0xffff);
            pos += (len + 7) & ~7;
        }
        assertTrue(!l2.isEmpty() && !rbs.isEmpty(), name + " seed has L2 tables and refcount blocks");
        assertEquals(0, TestImages.exec("qemu-img", "check", img.toString()).exit(), name + " seed is clean");
        return new Seed(name, img, cs, l1Off, l1Size, l2, rtOff, rtClusters, rbs, snapOff, nb, entries,
                b.capacity());
    }
}
