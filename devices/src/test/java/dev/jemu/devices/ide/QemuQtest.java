package dev.jemu.devices.ide;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reference: {@code qemu-system-x86_64 -machine pc -qtest stdio -S} with the given
 * drives, fed a script of port accesses ({@code outb/outw/inb/inw PORT [VALUE]}); returns
 * what the reads answered, in order. QEMU is ended once it has answered every line (it does
 * not exit at the end of its input).
 *
 * <p>Threading: the test thread.
 */
final class QemuQtest {
    private QemuQtest() {
    }

    static List<Long> run(List<String> drives, List<String> script) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-machine", "pc", "-qtest", "stdio",
                "-S", "-display", "none", "-nodefaults"));
        for (String d : drives) {
            cmd.add("-drive");
            cmd.add(d);
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = p.getOutputStream();
             BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            StringBuilder text = new StringBuilder();
            for (String line : script) {
                text.append(line).append('\n');
            }
            in.write(text.toString().getBytes(StandardCharsets.US_ASCII));
            in.flush();
            List<Long> values = new ArrayList<>();
            int oks = 0;
            while (oks < script.size()) {
                String line = out.readLine();
                if (line == null) {
                    fail("qemu-system-x86_64 -qtest ended after " + oks + " of " + script.size() + " answers");
                }
                if (line.startsWith("OK")) {
                    oks++;
                    if (line.startsWith("OK 0x")) {
                        values.add(Long.decode(line.substring(3).trim()));
                    }
                } else if (line.startsWith("FAIL") || line.startsWith("ERR")) {
                    fail("qtest: " + line);
                }
            }
            return values;
        } finally {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs the same script on jemu's harness, returning what the reads answered. */
    static List<Long> runOn(IdeHarness h, List<String> script) {
        List<Long> values = new ArrayList<>();
        for (String line : script) {
            String[] f = line.split(" ");
            int port = Integer.decode(f[1]);
            switch (f[0]) {
                case "outb" -> h.outb(port, Integer.decode(f[2]));
                case "outw" -> h.outw(port, Integer.decode(f[2]));
                case "inb" -> values.add((long) h.inb(port));
                case "inw" -> values.add((long) h.inw(port));
                default -> throw new IllegalArgumentException(line);
            }
        }
        return values;
    }
}
