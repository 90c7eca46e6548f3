package dev.jemu.block.qcow2;

import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.peekLong;
import static dev.jemu.block.TestImages.pokeInt;
import static dev.jemu.block.TestImages.pokeLong;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.TestImages;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One header field of a good image damaged at a time, opened read-only by {@code qemu-img info}
 * (the oracle, run on the same file) and by jemu: where qemu-img refuses, jemu refuses with the
 * same words; where qemu-img opens, jemu opens and reads the active layer as qemu-img converts it.
 * A writable open stays stricter on where tables lie (see {@link BadImageTest}), and an L1 table
 * that lies over other metadata is left out: qemu-img reads its garbage entries' clusters past
 * the end of the file as zeros, jemu reports the bad entry on the read.
 */
class Qcow2HeaderQemuParityTest {
    @TempDir
    Path dir;

    /** A change to the image file. */
    @FunctionalInterface
    interface Damage {
        void apply(Path img) throws IOException;
    }

    private static Arguments at(String name, long offset, int value) {
        return Arguments.of(name, (Damage) img -> pokeInt(img, offset, value));
    }

    private static Arguments atLong(String name, long offset, long value) {
        return Arguments.of(name, (Damage) img -> pokeLong(img, offset, value));
    }

    private static Arguments moved(String name, long offset, long delta) {
        return Arguments.of(name, (Damage) img -> pokeLong(img, offset, peekLong(img, offset) + delta));
    }

    static Stream<Arguments> damages() {
        return Stream.of(
                at("cluster_bits 8", 20, 8),
                at("cluster_bits 22", 20, 22),
                atLong("size 2^60", 24, 1L << 60),
                atLong("size 2^63-1", 24, Long.MAX_VALUE),
                at("crypt_method 3", 32, 3),
                at("l1_size 2^28", 36, 0x1000_0000),
                at("l1_size 0", 36, 0),
                moved("l1_table_offset unaligned", 40, 8),
                atLong("l1_table_offset past the end", 40, 1L << 40),
                moved("refcount_table_offset unaligned", 48, 8),
                atLong("refcount_table_offset 0", 48, 0),
                at("refcount_table_clusters 0", 56, 0),
                at("refcount_table_clusters 2^31-1", 56, Integer.MAX_VALUE),
                at("nb_snapshots 70000", 60, 70000),
                moved("snapshots_offset unaligned", 64, 8),
                atLong("snapshots_offset past the end", 64, 1L << 44),
                atLong("unknown incompatible feature", 72, 1L << 40),
                at("refcount_order 7", 96, 7),
                at("header_length 50", 100, 50),
                at("header_length 105", 100, 105),
                at("header_length 2^17", 100, 0x20000),
                Arguments.of("backing name 5000 bytes", (Damage) img -> {
                    pokeLong(img, 8, 0x200);
                    pokeInt(img, 16, 5000);
                }),
                Arguments.of("backing name outside cluster 0", (Damage) img -> {
                    pokeLong(img, 8, 0xfff0);
                    pokeInt(img, 16, 100);
                }),
                Arguments.of("header extension too large", (Damage) img -> {
                    pokeInt(img, 112, 0x1234_5678);
                    pokeInt(img, 116, 0x10_0000);
                }),
                Arguments.of("file of 50 bytes", (Damage) img -> truncate(img, 50)),
                Arguments.of("file ending before the L1 table", (Damage) img -> truncate(img, 0x18000)));
    }

    private static void truncate(Path img, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void readOnlyOpenAgreesWithQemuImg(String name, Damage damage) throws IOException {
        Path img = dir.resolve("d.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "64M");
        qemuIo(img, "qcow2", "write -P 0x5a 0 128k");
        ok("qemu-img", "snapshot", "-c", "s1", img.toString());
        damage.apply(img);

        TestImages.Run qemu = TestImages.exec("qemu-img", "info", img.toString());
        if (qemu.exit() != 0) {
            // qemu-img names the image before the block layer's message, as jemu-img does
            String qemuError = qemu.err().strip();
            String named = "qemu-img: Could not open '" + img + "': ";
            assertTrue(qemuError.startsWith(named), qemuError);
            BlockException e = assertThrows(BlockException.class,
                    () -> TestImages.open(img, "qcow2", true).close());
            assertEquals(qemuError.substring(named.length()), e.getMessage());
            return;
        }
        Path oracle = dir.resolve("oracle.raw");
        ok("qemu-img", "convert", "-O", "raw", img.toString(), oracle.toString());
        byte[] expected = Arrays.copyOf(Files.readAllBytes(oracle), 256 << 10);
        BlockDriverState bs = TestImages.open(img, "qcow2", true);
        try {
            assertArrayEquals(expected, TestImages.read(bs, 0, expected.length));
        } finally {
            bs.close();
        }
    }
}
