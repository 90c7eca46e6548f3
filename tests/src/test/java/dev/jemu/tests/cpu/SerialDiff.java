package dev.jemu.tests.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Line-by-line comparison of two serial logs. A test kernel's line starts with the test's name,
 * followed by {@code key=value} fields, so a mismatch names the test and the fields that differ.
 */
public final class SerialDiff {

    private static final String END = "<end of output>";

    private SerialDiff() {
    }

    /** The first line where {@code actual} differs from {@code expected}, if any. */
    public static Optional<Mismatch> firstMismatch(List<String> expected, List<String> actual) {
        int lines = Math.max(expected.size(), actual.size());
        for (int i = 0; i < lines; i++) {
            String want = i < expected.size() ? expected.get(i) : END;
            String got = i < actual.size() ? actual.get(i) : END;
            if (!want.equals(got)) {
                String test = testName(want.equals(END) ? got : want);
                return Optional.of(new Mismatch(i + 1, test, want, got));
            }
        }
        return Optional.empty();
    }

    private static String testName(String line) {
        int space = line.indexOf(' ');
        return space < 0 ? line : line.substring(0, space);
    }

    /** A differing line: its 1-based number, the test it belongs to and both versions. */
    public record Mismatch(int line, String test, String expected, String actual) {

        /**
         * The fields that differ, as {@code expected -> actual}, when both lines carry the same
         * fields in the same order (only values differ); empty when their shapes differ (a fault
         * report against a register dump, say), where only the two whole lines tell the story.
         */
        public List<String> differingFields() {
            String[] want = expected.split(" ");
            String[] got = actual.split(" ");
            if (want.length != got.length) {
                return List.of();
            }
            List<String> differing = new ArrayList<>();
            for (int i = 0; i < want.length; i++) {
                if (!key(want[i]).equals(key(got[i]))) {
                    return List.of();
                }
                if (!want[i].equals(got[i])) {
                    differing.add(want[i] + " -> " + got[i]);
                }
            }
            return differing;
        }

        private static String key(String field) {
            int equals = field.indexOf('=');
            return equals < 0 ? field : field.substring(0, equals + 1);
        }

        /** "line 17 (add32_overflow): f=0894 -> f=0094", then both lines, each named. */
        public String describe(String expectedName, String actualName) {
            List<String> fields = differingFields();
            String summary = fields.isEmpty() ? "different output" : String.join(", ", fields);
            return "line " + line + " (" + test + "): " + summary
                    + "\n  " + expectedName + ": " + expected + "\n  " + actualName + ": " + actual;
        }
    }
}
