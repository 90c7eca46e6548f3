package dev.jemu.junit;

/**
 * A boot test's failure with the report of its machines appended to the original message:
 * serial transcripts, the last {@code -d} log lines and the CPU state. The original failure is
 * the cause.
 *
 * <p>Threading: an ordinary exception; any thread.
 */
public final class BootTestFailure extends AssertionError {
    private static final long serialVersionUID = 1L;
    private final String report;

    BootTestFailure(String message, String report, Throwable cause) {
        super(message + "\n" + report, cause);
        this.report = report;
    }

    /** The report of the test's machines. */
    public String report() {
        return report;
    }
}
