package dev.jemu.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SerialDiffTest {

    @Test
    void identicalLogsHaveNoMismatch() {
        List<String> log = List.of("add32 a=1 f=0000", "done tests=0001");
        assertTrue(SerialDiff.firstMismatch(log, List.copyOf(log)).isEmpty());
    }

    @Test
    void namesFirstDifferingLineItsTestAndFields() {
        var mismatch = SerialDiff.firstMismatch(
                List.of("add32 a=1 f=0000", "sub32 a=2 f=0894", "neg a=3 f=0001"),
                List.of("add32 a=1 f=0000", "sub32 a=2 f=0094", "neg a=4 f=0001")).orElseThrow();

        assertEquals(2, mismatch.line());
        assertEquals("sub32", mismatch.test());
        assertEquals(List.of("f=0894 -> f=0094"), mismatch.differingFields());
        assertTrue(mismatch.describe("qemu", "jemu").startsWith("line 2 (sub32): f=0894 -> f=0094"));
    }

    @Test
    void listsNoFieldsWhenTheLinesHaveDifferentShapes() {
        var mismatch = SerialDiff.firstMismatch(List.of("ud2 fault v=06 e=00000000 ip=00101e67"),
                List.of("ud2 nofault")).orElseThrow();

        assertEquals(List.of(), mismatch.differingFields());
        assertEquals("line 1 (ud2): different output\n  qemu: ud2 fault v=06 e=00000000 ip=00101e67"
                + "\n  jemu: ud2 nofault", mismatch.describe("qemu", "jemu"));
    }

    @Test
    void reportsOutputThatEndsEarly() {
        var mismatch = SerialDiff.firstMismatch(List.of("add32 a=1", "done tests=0001"),
                List.of("add32 a=1")).orElseThrow();

        assertEquals(2, mismatch.line());
        assertEquals("done", mismatch.test());
        assertEquals("<end of output>", mismatch.actual());
    }

    @Test
    void reportsExtraOutputWithItsTestName() {
        var mismatch = SerialDiff.firstMismatch(List.of("add32 a=1"),
                List.of("add32 a=1", "unexpected fault v=06")).orElseThrow();

        assertEquals("unexpected", mismatch.test());
        assertEquals("<end of output>", mismatch.expected());
    }
}
