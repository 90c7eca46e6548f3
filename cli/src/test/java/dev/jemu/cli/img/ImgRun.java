package dev.jemu.cli.img;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** One run of jemu-img (in-process) or qemu-img (a process): exit status, standard output, standard error. */
record ImgRun(int status, String out, String err) {

    /** Runs jemu-img in this JVM with standard output and error captured. */
    static ImgRun jemu(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = JemuImg.run(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new ImgRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code qemu-img args} in {@code dir}. */
    static ImgRun qemu(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("qemu-img", ".out");
        Path err = Files.createTempFile("qemu-img", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "qemu-img did not finish: " + cmd);
            return new ImgRun(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    /** Runs {@code qemu-img args} in {@code dir} and fails unless it exits 0; returns its output. */
    static String qemuOk(Path dir, String... args) throws IOException, InterruptedException {
        ImgRun r = qemu(dir, args);
        assertTrue(r.status == 0, "qemu-img " + String.join(" ", args) + ": " + r.err);
        return r.out;
    }

    /** Runs {@code qemu-io -f fmt -c command... image} in {@code dir}; fails unless it exits 0. */
    static void qemuIo(Path dir, String fmt, String image, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", fmt));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "qemu-io: " + log);
    }

    /** This run as qemu-img's would read with its name replaced by jemu-img's. */
    ImgRun asJemu() {
        return new ImgRun(status, out.replace("qemu-img", "jemu-img"), err.replace("qemu-img", "jemu-img"));
    }
}
