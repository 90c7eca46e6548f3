package dev.jemu.core.log;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bookkeeping behind {@link Log#logOnce}: which keys have been written, how often each came
 * back since, and a bound on how many distinct keys are remembered (past it, new keys are
 * only counted), so that a guest repeating a mistake cannot make the log or this table grow
 * without bound.
 *
 * <p>Threading: any thread; every method is synchronized.
 */
final class Repeats {
    private record Key(LogCategory category, String key) {
    }

    private static final class Entry {
        final String line;
        long repeats;

        Entry(String line) {
            this.line = line;
        }
    }

    private final int maxKeys;
    private final Map<Key, Entry> entries = new LinkedHashMap<>();
    /** Occurrences of keys not remembered because {@link #maxKeys} were already. */
    private long untracked;

    /** A table remembering at most {@code maxKeys} distinct keys. */
    Repeats(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /**
     * Records one occurrence of {@code key} in {@code category}: returns {@code line} if the key
     * is new (the caller writes it), a one-time notice when the table just became full, and null
     * otherwise (the occurrence is counted for {@link #drainSummary}).
     */
    synchronized String record(LogCategory category, String key, String line) {
        Key k = new Key(category, key);
        Entry e = entries.get(k);
        if (e != null) {
            e.repeats++;
            return null;
        }
        if (entries.size() < maxKeys) {
            entries.put(k, new Entry(line));
            return line;
        }
        untracked++;
        return untracked == 1
                ? "more than " + maxKeys + " distinct repeated messages: further ones are only counted"
                : null;
    }

    /**
     * One line per key that came back after it was written ({@code "<first line> [N more]"}),
     * plus one for the occurrences not remembered; the counts start again from zero.
     */
    synchronized List<String> drainSummary() {
        List<String> lines = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.repeats > 0) {
                lines.add(e.line + " [" + e.repeats + " more]");
                e.repeats = 0;
            }
        }
        if (untracked > 0) {
            lines.add(untracked + " more messages not written (over " + maxKeys + " distinct keys)");
            untracked = 0;
        }
        return lines;
    }
}
