package dev.jemu.machine;

/**
 * A {@link Console} wait that failed: the text did not appear in time, or the machine stopped
 * first. The message ends with the transcript's tail; {@link #transcript()} has all of it.
 * It is an {@link AssertionError}, so a test framework reports it as a failed expectation.
 *
 * <p>Threading: an ordinary exception; any thread.
 */
public final class ConsoleTimeoutException extends AssertionError {
    private static final long serialVersionUID = 1L;
    private final String transcript;

    ConsoleTimeoutException(String message, String transcript) {
        super(message);
        this.transcript = transcript;
    }

    /** Everything the guest had written when the wait failed. */
    public String transcript() {
        return transcript;
    }
}
