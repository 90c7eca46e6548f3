package dev.jemu.cli.vm;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Command lines that cannot build a machine fail with the error line QEMU 7.2 prints for the
 * same command line (run here beside jemu), with the program's name swapped: the oracle is
 * {@code qemu-system-x86_64} itself. Kernels QEMU would run but jemu cannot boot get jemu's
 * own reason, after the option.
 */
class LauncherErrorsTest {
    @TempDir
    static Path dir;

    /** What the program printed first on standard error, without its name and JVM log lines. */
    private static String message(String stderr) {
        String first = stderr.lines().filter(l -> !l.startsWith("[") && !l.startsWith("WARNING")
                && !l.startsWith("         ")).findFirst().orElse("");
        int colon = first.indexOf(": ");
        return colon < 0 ? first : first.substring(colon + 2);
    }

    private static String qemu(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-display", "none", "-nodefaults"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "qemu did not exit for " + args);
        assertEquals(1, p.exitValue(), "qemu's exit status for " + args + ": " + err);
        return message(err);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "-drive file=/nonexistent/x.img,format=raw",
        "-drive file=@DIR@,format=raw",
        "-drive file=@RAW@,format=raw,bogus=1",
        "-device ide-hd,drive=nope",
        "-bios /nonexistent.rom",
        "-m 0x",
        "-kernel",
        "-frobnicate",
        "-drive file=@RAW@,format=raw,readonly=on",
        "-device virtio-blk-pci,drive=nope",
        "-device virtio-blk-pci",
        "-device ide-hd",
        "-drive file=@RAW@,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0,iothread=x",
        "-drive file=@RAW@,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0,foo=1",
        "-drive file=@RAW@,format=raw,if=none,id=d0 -device ide-hd,drive=d0,foo=1",
        "-icount shift=11",
        "-icount shift=x",
        "-icount shift=3,foo=1",
        "-drive file=@RAW@,format=raw,aio=bogus",
        "-append console=ttyS0",
        "-initrd @RAW@",
        "-drive file=@RAW@,format=qcow2",
        "-drive file=@RAW@,format=bogus",
    })
    void failsWithQemusErrorLine(String line) throws Exception {
        Path raw = dir.resolve("disk.raw");
        if (!Files.exists(raw)) {
            Files.write(raw, new byte[1 << 20]);
        }
        List<String> args = List.of(line.replace("@DIR@", dir.toString()).replace("@RAW@", raw.toString()).split(" "));
        assertEquals(qemu(args), message(jemu(args)));
    }

    /** Runs jemu on {@code args} (after {@code -display none -nodefaults}), expects exit status 1, returns its standard error. */
    private static String jemu(List<String> args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("-display", "none", "-nodefaults"));
        all.addAll(args);
        int status = JemuMain.run(all.toArray(new String[0]), InputStream.nullInputStream(), new ByteArrayOutputStream(),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, status, err.toString(StandardCharsets.UTF_8));
        return err.toString(StandardCharsets.UTF_8);
    }

    /** A bzImage (boot protocol {@code version}, boot.rst's header fields) of 4 setup sectors and 4 KiB of kernel. */
    private static Path bzImage(String name, int version) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(5 * 512 + 4096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) 4).putShort(0x1FE, (short) 0xAA55).putInt(0x202, 0x53726448).putShort(0x206, (short) version);
        b.put(0x211, (byte) 1).putInt(0x214, 0x100000).putInt(0x22C, 0x7FFF_FFFF).putInt(0x238, 255).putInt(0x260, 0x40000);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    /**
     * Kernels and initrds QEMU refuses: jemu names the option and gives QEMU's reason (QEMU
     * names none): an initrd of QEMU's limit for 16 MiB (RAM - 0x28000 - 1 bytes), and an
     * initrd with a kernel of boot protocol 1.255.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-m 16M -kernel @BZ@ -initrd @BIG@|-initrd @BIG@", "-kernel @OLD@ -initrd @RAW@|-kernel @OLD@"})
    void kernelErrorsNameTheOptionAndGiveQemusReason(String spec) throws Exception {
        Path raw = dir.resolve("tiny.raw");
        Files.write(raw, new byte[512]);
        Path big = dir.resolve("big.initrd");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength((16 << 20) - 0x28000 - 1);
        }
        String[] parts = spec.replace("@BZ@", bzImage("bz.bin", 0x020F).toString())
                .replace("@OLD@", bzImage("old.bin", 0x01FF).toString()).replace("@BIG@", big.toString())
                .replace("@RAW@", raw.toString()).split("\\|");
        List<String> args = List.of(parts[0].split(" "));
        assertEquals(parts[1] + ": " + qemu(args), message(jemu(args)));
    }

    /** Kernels QEMU would run but jemu cannot boot: the reason, after the option. */
    @org.junit.jupiter.api.Test
    void kernelsJemuCannotBootAreRefusedWithTheReason() throws Exception {
        Path old = bzImage("old205.bin", 0x0205);
        assertEquals("-kernel " + old + ": linux kernel too old: boot protocol 2.05, jemu needs 2.06 or later",
                message(jemu(List.of("-kernel", old.toString()))));
        Path bz = bzImage("bz255.bin", 0x020F);
        assertEquals("-append: kernel command line is 256 bytes; the kernel takes at most 255",
                message(jemu(List.of("-kernel", bz.toString(), "-append", "x".repeat(256)))));
    }
}
