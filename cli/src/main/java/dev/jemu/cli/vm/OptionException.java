package dev.jemu.cli.vm;

/** A command-line error; the message is one line naming the option, as QEMU prints it. */
public final class OptionException extends Exception {
    private static final long serialVersionUID = 1L;

    public OptionException(String option, String reason) {
        super(option + ": " + reason);
    }

    /** An error found while building the machine rather than reading one option (QEMU names no option then). */
    public OptionException(String reason) {
        super(reason);
    }
}
