package dev.jemu.cli.qmp;

/**
 * A human monitor command that could not be parsed. QEMU's monitor prints such errors as the
 * command's output (not as a QMP error), followed by a pointer to the command's help:
 * {@code invalid char in format: 'z'} then {@code Try "help xp" for more information}.
 *
 * <p>Threading: created and caught on the thread that runs the command.
 */
final class HmpError extends Exception {
    private final String help;

    /** {@code message} about the command whose help is {@code help} ({@code "xp"}, {@code "info status"}). */
    HmpError(String help, String message) {
        super(message, null, false, false);
        this.help = help;
    }

    /** The command's output: the message and the help pointer, each line ending in CR LF. */
    String text() {
        return getMessage() + "\r\nTry \"help " + help + "\" for more information\r\n";
    }
}
