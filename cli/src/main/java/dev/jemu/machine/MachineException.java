package dev.jemu.machine;

/**
 * A machine could not be built or driven: a bad command-line word, a file that cannot be
 * opened, an operation in the wrong state. The message is one line in QEMU's style, naming
 * the option and the reason (e.g. {@code -m 12Q: Parameter 'size' expects a non-negative
 * number below 2^64}).
 *
 * <p>Threading: an ordinary exception; any thread.
 */
public final class MachineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with a one-line {@code message}. */
    public MachineException(String message) {
        super(message);
    }

    /** An error with a one-line {@code message} and its {@code cause}. */
    public MachineException(String message, Throwable cause) {
        super(message, cause);
    }
}
