package dev.jemu.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code -d in_asm} compared with QEMU's: each test kernel runs under both with
 * {@code -d in_asm -D FILE}, and every instruction jemu lists at an address QEMU also listed
 * must be one of QEMU's lines for that address (bytes and text, as printed). Blocks differ
 * between TCG and jemu (and QEMU also runs SeaBIOS, jemu loads the kernel itself), so the
 * comparison is per instruction; each kernel must share enough instructions with QEMU for the
 * comparison to mean something. Where QEMU listed only {@code .byte} lines at an address at
 * which jemu lists a longer instruction, QEMU's block was cut inside that instruction (its
 * listing covers only the block's bytes, which its disassembler then cannot decode): QEMU did
 * not list that instruction, and it is not compared.
 */
class InAsmDiffTest {
    /** An instruction line: address, first bytes, then mnemonic and operands; or a continuation line of bytes. */
    private static final Pattern LINE = Pattern.compile("^0x([0-9a-f]+):  ((?:[0-9a-f]{2} )*[0-9a-f]{2})(.*)$");

    static Stream<KernelCase> kernels() {
        return Stream.of("realmode", "pmode", "pmode-pae", "longmode", "sse", "cpumax").map(KernelCases::named);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void listsEveryInstructionAsQemuDoes(KernelCase kernelCase) throws Exception {
        assertTrue(Emulator.JEMU.isInstalled(KernelRuns.workspace()),
                "jemu is not built: run 'mvn -DskipTests install' first");
        Map<Long, Set<String>> qemu = listing(kernelCase, Emulator.QEMU);
        Map<Long, Set<String>> jemu = listing(kernelCase, Emulator.JEMU);
        int common = 0;
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<Long, Set<String>> e : jemu.entrySet()) {
            Set<String> theirs = qemu.get(e.getKey());
            if (theirs == null) {
                continue;
            }
            boolean cut = theirs.stream().allMatch(l -> l.endsWith("|.byte 0x" + l.substring(0, 2)));
            for (String line : e.getValue()) {
                if (cut && !line.contains("|.byte ")) {
                    continue;
                }
                common++;
                if (!theirs.contains(line)) {
                    wrong.add(String.format("0x%x: jemu [%s] qemu %s", e.getKey(), line, theirs));
                }
            }
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())), kernelCase + ": " + wrong.size()
                + " of " + common + " instructions listed differently");
        assertTrue(common >= 100, kernelCase + ": only " + common + " instructions in both listings");
    }

    /** The run's {@code -d in_asm} listing: per address, each distinct "bytes|text" seen there. */
    private static Map<Long, Set<String>> listing(KernelCase kernelCase, Emulator emulator)
            throws IOException, InterruptedException {
        Path log = KernelRuns.workspace().buildDir("runs").resolve(kernelCase.name() + "." + emulator.displayName()
                + ".in_asm.log");
        Files.deleteIfExists(log);
        GuestRun run = KernelRuns.run(kernelCase, emulator, List.of("-d", "in_asm", "-D", log.toString()), "",
                ".in_asm");
        assertFalse(run.timedOut(), kernelCase + " under " + emulator.displayName() + ": " + run.summary());
        assertEquals(kernelCase.exitStatus(), run.exitStatus(), kernelCase + " under " + emulator.displayName()
                + ": " + run.summary());
        Map<Long, Set<String>> out = new HashMap<>();
        long address = -1;
        StringBuilder bytes = null;
        String text = null;
        for (String line : Files.readAllLines(log)) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                address = flush(out, address, bytes, text);
                continue;
            }
            long at = Long.parseLong(m.group(1), 16);
            String b = m.group(2).replace(" ", "");
            if (m.group(3).isBlank() && bytes != null && at == address + bytes.length() / 2) {
                bytes.append(b);
                continue;
            }
            flush(out, address, bytes, text);
            address = at;
            bytes = new StringBuilder(b);
            text = m.group(3).strip().replaceFirst("^(\\S+)\\s+", "$1 ");
        }
        flush(out, address, bytes, text);
        return out;
    }

    private static long flush(Map<Long, Set<String>> out, long address, StringBuilder bytes, String text) {
        if (address >= 0 && bytes != null) {
            out.computeIfAbsent(address, k -> new HashSet<>()).add(bytes + "|" + text);
        }
        return -1;
    }
}
