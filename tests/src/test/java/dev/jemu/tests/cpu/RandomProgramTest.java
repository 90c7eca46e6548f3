package dev.jemu.tests.cpu;

import static dev.jemu.tests.cpu.RandomProgram.Mode.LONG;
import static dev.jemu.tests.cpu.RandomProgram.Mode.PROTECTED;
import static dev.jemu.tests.cpu.RandomProgram.Mode.REAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RandomProgramTest {

    @Test
    void sameSeedYieldsTheSameProgram() {
        assertEquals(RandomProgram.generate(LONG, 42, 5, 10), RandomProgram.generate(LONG, 42, 5, 10));
    }

    @Test
    void differentSeedsYieldDifferentPrograms() {
        assertNotEquals(RandomProgram.generate(LONG, 1, 5, 10), RandomProgram.generate(LONG, 2, 5, 10));
    }

    @Test
    void dumpsOncePerBlockAndOnceForTheBuffer() {
        String source = RandomProgram.generate(PROTECTED, 7, 6, 4);
        long dumps = source.lines().filter(line -> line.strip().startsWith("DUMP ")).count();
        assertEquals(7, dumps);
        assertEquals(RandomProgram.expectedLines(6, 4, false), dumps + 1);
    }

    @Test
    void tracedProgramRunsTheSameInstructionsAndDumpsEveryStep() {
        String plain = RandomProgram.generate(PROTECTED, 8, 3, 5);
        String traced = RandomProgram.generate(PROTECTED, 8, 3, 5, true);
        Function<String, List<String>> instructions = source -> source.lines()
                .dropWhile(line -> !line.startsWith("main32:"))
                .filter(line -> !line.contains("DUMP") && !line.contains("BUFSUM"))
                .toList();

        assertEquals(instructions.apply(plain), instructions.apply(traced));
        assertEquals(3 * 5, traced.lines().filter(line -> line.strip().startsWith("BUFSUM \"")).count());
        assertEquals(RandomProgram.expectedLines(3, 5, true),
                traced.lines().filter(line -> line.strip().startsWith("DUMP ")).count()
                        + traced.lines().filter(line -> line.strip().startsWith("BUFSUM \"")).count() + 1);
    }

    @Test
    void dumpMasksKeepOnlyArithmeticFlagsAndDirection() {
        Pattern dump = Pattern.compile("\\s*DUMP \"[a-z_0-9]+\", 0x([0-9a-f]{4})");
        RandomProgram.generate(LONG, 99, 30, 12).lines().filter(line -> line.contains("DUMP")).forEach(line -> {
            var matcher = dump.matcher(line);
            assertTrue(matcher.matches(), line);
            int mask = Integer.parseInt(matcher.group(1), 16);
            assertEquals(0, mask & ~(RandomProgram.ARITH | RandomProgram.DF), line);
        });
    }

    @Test
    void divisionsAreSetUpNotToFault() {
        // Every DIV is preceded by clearing the high half of the dividend, every IDIV by a sign extension.
        var lines = RandomProgram.generate(PROTECTED, 5, 40, 12).lines().map(String::strip).toList();
        int divisions = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("div ")) {
                divisions++;
                String previous = lines.get(i - 1);
                assertTrue(previous.equals("mov ah, 0") || previous.equals("mov edx, 0"), previous);
            } else if (line.startsWith("idiv ")) {
                divisions++;
                assertTrue(Pattern.matches("cbw|cwd|cdq|cqo", lines.get(i - 1)), lines.get(i - 1));
            }
        }
        assertTrue(divisions > 0, "seed 5 generates divisions");
    }

    @Test
    void realModeProgramsRunFromTheRealModeStartUp() {
        String source = RandomProgram.generate(REAL, 3, 2, 4);
        assertTrue(source.contains("%include \"boot16.inc\""));
        assertTrue(source.contains("\nmain16:\n"));
        assertTrue(source.endsWith("rm_end:\n"));
    }

    @Test
    void decimalAdjustmentOnlyOutsideLongMode() {
        Pattern decimal = Pattern.compile("\\s*(daa|das|aaa|aas|aam \\d+|aad \\d+)");
        assertTrue(RandomProgram.generate(PROTECTED, 11, 40, 12).lines().anyMatch(decimal.asMatchPredicate()));
        assertTrue(RandomProgram.generate(REAL, 11, 40, 12).lines().anyMatch(decimal.asMatchPredicate()));
        assertTrue(RandomProgram.generate(LONG, 11, 40, 12).lines().noneMatch(decimal.asMatchPredicate()));
    }

    @Test
    void rejectsEmptyPrograms() {
        var error = assertThrows(IllegalArgumentException.class, () -> RandomProgram.generate(LONG, 1, 0, 10));
        assertTrue(error.getMessage().contains("blocks"));
    }
}
