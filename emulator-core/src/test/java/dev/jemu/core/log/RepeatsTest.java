package dev.jemu.core.log;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Once-per-key logging: each key written once, repeats counted, the table bounded. */
class RepeatsTest {
    @Test
    void eachKeyIsWrittenOnceAndItsRepeatsAreSummarised() {
        Repeats r = new Repeats(16);
        assertEquals("unassigned write 0x80", r.record(LogCategory.GUEST_ERRORS, "w80", "unassigned write 0x80"));
        assertNull(r.record(LogCategory.GUEST_ERRORS, "w80", "unassigned write 0x80"));
        assertNull(r.record(LogCategory.GUEST_ERRORS, "w80", "unassigned write 0x80"));
        assertEquals("unassigned read 0x80", r.record(LogCategory.GUEST_ERRORS, "r80", "unassigned read 0x80"));
        assertEquals("same key, other category", r.record(LogCategory.UNIMP, "w80", "same key, other category"));
        assertEquals(List.of("unassigned write 0x80 [2 more]"), r.drainSummary(), "keys that never came back are not listed");
        assertEquals(List.of(), r.drainSummary(), "a summary resets the counts");
        assertNull(r.record(LogCategory.GUEST_ERRORS, "r80", "unassigned read 0x80"), "still known after a summary");
        assertEquals(List.of("unassigned read 0x80 [1 more]"), r.drainSummary());
    }

    @Test
    void pastTheBoundNewKeysAreCountedNotWritten() {
        Repeats r = new Repeats(2);
        r.record(LogCategory.GUEST_ERRORS, "a", "a");
        r.record(LogCategory.GUEST_ERRORS, "b", "b");
        assertEquals("more than 2 distinct repeated messages: further ones are only counted",
                r.record(LogCategory.GUEST_ERRORS, "c", "c"));
        assertNull(r.record(LogCategory.GUEST_ERRORS, "d", "d"));
        assertNull(r.record(LogCategory.GUEST_ERRORS, "c", "c"));
        assertNull(r.record(LogCategory.GUEST_ERRORS, "a", "a"), "remembered keys still count");
        assertEquals(List.of("a [1 more]", "3 more messages not written (over 2 distinct keys)"), r.drainSummary());
    }

    @Test
    void logOnceWritesOnlyWhenTheCategoryIsEnabled() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Log.setOutput(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Log.logOnce(LogCategory.GUEST_ERRORS, "RepeatsTest-port-0x80", "off: not written nor counted");
            Log.enable(LogCategory.GUEST_ERRORS);
            for (int k = 0; k < 1000; k++) {
                Log.logOnce(LogCategory.GUEST_ERRORS, "RepeatsTest-port-0x80", "outb 0x80 unassigned, value 0x" + k);
            }
            Log.logRepeatSummary();
            assertEquals(List.of("outb 0x80 unassigned, value 0x0", "outb 0x80 unassigned, value 0x0 [999 more]"),
                    out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("outb 0x80")).toList());
        } finally {
            Log.disableAll();
            Log.setOutput(System.err);
        }
    }
}
