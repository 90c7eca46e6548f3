package dev.jemu.cli.qmp;

/**
 * A running QMP monitor, as the launcher holds it: it can push out what it still owes its
 * client before the process exits, and be closed.
 *
 * <p>Threading: the main loop thread.
 */
public interface QmpMonitor extends AutoCloseable {
    /** Writes what is queued for the client, waiting at most {@code timeoutNs}. */
    void flush(long timeoutNs);

    @Override
    void close();
}
