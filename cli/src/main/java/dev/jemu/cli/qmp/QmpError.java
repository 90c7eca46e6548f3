package dev.jemu.cli.qmp;

/**
 * A QMP command's failure: QEMU's error class ({@code GenericError} or {@code CommandNotFound},
 * the classes jemu's commands give) and its one-line description.
 *
 * <p>Threading: created and caught on the main loop thread.
 */
final class QmpError extends Exception {
    static final String GENERIC = "GenericError";
    static final String COMMAND_NOT_FOUND = "CommandNotFound";

    private final String errorClass;

    QmpError(String errorClass, String desc) {
        super(desc, null, false, false);
        this.errorClass = errorClass;
    }

    static QmpError generic(String desc) {
        return new QmpError(GENERIC, desc);
    }

    String errorClass() {
        return errorClass;
    }
}
