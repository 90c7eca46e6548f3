package dev.jemu.devices.virtio.blk;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.CacheMode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** qemu-img and qemu-io as oracles: images written and checked by QEMU's own tools. */
final class QemuTools {
    private QemuTools() {
    }

    /** Runs a command (bounded to 60 s); returns exit code and merged output. */
    static String[] exec(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (InputStream out = p.getInputStream()) {
            String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + String.join(" ", cmd));
            }
            return new String[] {Integer.toString(p.exitValue()), text};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Creates a raw image of {@code size}. */
    static Path raw(Path dir, String name, String size) throws IOException {
        Path img = dir.resolve(name);
        String[] r = exec("qemu-img", "create", "-f", "raw", img.toString(), size);
        assertEquals("0", r[0], r[1]);
        return img;
    }

    /** Runs qemu-io commands on a raw image; fails if any reports an error or a pattern mismatch. */
    static void qemuIo(Path img, String... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(img.toString());
        String[] r = exec(cmd.toArray(new String[0]));
        if (!r[0].equals("0") || r[1].contains("error") || r[1].contains("failed") || r[1].contains("Pattern")) {
            fail("qemu-io " + String.join(" ", commands) + ": " + r[1]);
        }
    }

    /** Asserts that qemu-img compare finds the two images identical. */
    static void assertSameImages(Path a, Path b) throws IOException {
        String[] r = exec("qemu-img", "compare", "-f", "raw", "-F", "raw", a.toString(), b.toString());
        assertEquals("0", r[0], "qemu-img compare: " + r[1]);
    }

    /** Opens a raw image as a drive. */
    static BlockBackend open(Path img, boolean readOnly) throws IOException {
        BlockDriverState bs = BlockGraph.open(img.toString(), "raw", readOnly, CacheMode.WRITEBACK);
        return new BlockBackend(bs, readOnly ? BlockBackend.PERM_READ : BlockBackend.PERM_READ | BlockBackend.PERM_WRITE,
                false);
    }

    /** A drive on a {@link MemoryDisk}. */
    static BlockBackend memory(MemoryDisk disk) throws IOException {
        return new BlockBackend(new BlockDriverState(disk, "memory", false),
                BlockBackend.PERM_READ | BlockBackend.PERM_WRITE, false);
    }
}
