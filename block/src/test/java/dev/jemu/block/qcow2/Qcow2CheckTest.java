package dev.jemu.block.qcow2;

import static dev.jemu.block.TestImages.ok;
import static dev.jemu.block.TestImages.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.SyncIo;
import dev.jemu.block.TestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
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
}
