package dev.jemu.block;

/**
 * Per-backend I/O statistics, named after QMP {@code query-blockstats}. Updated on the
 * backend's AioContext thread; read them from there too.
 */
public final class BlockStats {
    long rdBytes;
    long wrBytes;
    long rdOperations;
    long wrOperations;
    long flushOperations;
    long unmapOperations;
    long unmapBytes;
    long failedRdOperations;
    long failedWrOperations;
    long failedFlushOperations;
    long rdTotalTimeNs;
    long wrTotalTimeNs;
    long flushTotalTimeNs;

    /** Bytes read. */
    public long rdBytes() {
        return rdBytes;
    }

    /** Bytes written (including zero writes). */
    public long wrBytes() {
        return wrBytes;
    }

    /** Completed read requests. */
    public long rdOperations() {
        return rdOperations;
    }

    /** Completed write requests (including zero writes). */
    public long wrOperations() {
        return wrOperations;
    }

    /** Completed flushes. */
    public long flushOperations() {
        return flushOperations;
    }

    /** Completed discards. */
    public long unmapOperations() {
        return unmapOperations;
    }

    /** Bytes discarded. */
    public long unmapBytes() {
        return unmapBytes;
    }

    /** Reads that failed. */
    public long failedRdOperations() {
        return failedRdOperations;
    }

    /** Writes that failed. */
    public long failedWrOperations() {
        return failedWrOperations;
    }

    /** Flushes that failed. */
    public long failedFlushOperations() {
        return failedFlushOperations;
    }

    /** Total time spent in reads, in nanoseconds. */
    public long rdTotalTimeNs() {
        return rdTotalTimeNs;
    }

    /** Total time spent in writes, in nanoseconds. */
    public long wrTotalTimeNs() {
        return wrTotalTimeNs;
    }

    /** Total time spent in flushes, in nanoseconds. */
    public long flushTotalTimeNs() {
        return flushTotalTimeNs;
    }
}
