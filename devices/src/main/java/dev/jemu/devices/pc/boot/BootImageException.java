package dev.jemu.devices.pc.boot;

/** A kernel or firmware image that cannot be loaded; the message says why, in one line. */
public final class BootImageException extends Exception {
    private static final long serialVersionUID = 1L;

    public BootImageException(String message) {
        super(message);
    }
}
