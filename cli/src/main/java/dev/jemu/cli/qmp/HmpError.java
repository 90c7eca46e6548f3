package dev.jemu.cli.qmp;

import dev.jemu.core.sync.BigLock;

/**
 * A human monitor command that could not be parsed. QEMU's monitor prints such errors as the
 * command's output (not as a QMP error), followed by a pointer to the command's help:
 * {@code invalid char in format: 'z'} then {@code Try "help xp" for more information}.
 *
 * <p>Threading: created and caught on the thread that runs the command.
 */
final class HmpError extends Exception {
    /** Work that may find the command line malformed. */
    @FunctionalInterface
    interface Parsing<T> {
        T run() throws HmpError;
    }

    private final String help;

    /** {@code message} about the command whose help is {@code help} ({@code "xp"}, {@code "info status"}). */
    HmpError(String help, String message) {
        super(message, null, false, false);
        this.help = help;
    }

    /** Runs {@code work} under {@code bql} (registers and memory read consistently); its error is thrown after. */
    static <T> T underLock(BigLock bql, Parsing<T> work) throws HmpError {
        Object out = bql.call(() -> {
            try {
                return work.run();
            } catch (HmpError e) {
                return e;
            }
        });
        if (out instanceof HmpError e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T result = (T) out;
        return result;
    }

    /** The command's output: the message and the help pointer, each line ending in CR LF. */
    String text() {
        return getMessage() + "\r\nTry \"help " + help + "\" for more information\r\n";
    }
}
