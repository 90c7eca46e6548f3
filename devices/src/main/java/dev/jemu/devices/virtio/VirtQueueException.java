package dev.jemu.devices.virtio;

/**
 * A guest mistake found while walking a virtqueue (a descriptor outside RAM, a loop, an avail
 * index that jumped ahead...): the device answers it by stopping until reset ({@link
 * VirtioDevice#needsReset}). The message names
 * the mistake in one line. Immutable.
 */
public final class VirtQueueException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates the error; the stack trace is not captured (a guest can cause this at will). */
    public VirtQueueException(String message) {
        super(message, null, false, false);
    }
}
