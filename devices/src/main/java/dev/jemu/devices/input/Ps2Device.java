package dev.jemu.devices.input;

/**
 * What a PS/2 keyboard and mouse share: the queue of bytes waiting for the controller (16
 * bytes, the size of a real device's buffer; bytes that do not fit are lost), and a
 * command that is waiting for its parameter byte.
 *
 * <p>Threading: under the big emulator lock.
 */
abstract sealed class Ps2Device permits Ps2Keyboard, Ps2Mouse {
    /** Acknowledge. */
    static final int ACK = 0xFA;
    /** Resend: the answer to a command or parameter the device does not take. */
    static final int RESEND = 0xFE;
    /** Basic assurance test passed. */
    static final int BAT_OK = 0xAA;

    private static final int QUEUE_SIZE = 16;

    private final int[] queue = new int[QUEUE_SIZE];
    private int head;
    private int count;
    private final Runnable dataReady;
    /** The command whose parameter byte is expected next, or -1. */
    protected int pendingCommand = -1;

    /** @param dataReady told whenever a byte is queued (the controller's update) */
    Ps2Device(Runnable dataReady) {
        this.dataReady = dataReady;
    }

    /** Queues bytes for the controller. */
    protected final void send(int... bytes) {
        for (int b : bytes) {
            if (count < QUEUE_SIZE) {
                queue[(head + count++) % QUEUE_SIZE] = b & 0xFF;
            }
        }
        dataReady.run();
    }

    final boolean hasData() {
        return count > 0;
    }

    /** Takes the oldest queued byte; the queue must not be empty. */
    final int take() {
        int b = queue[head];
        head = (head + 1) % QUEUE_SIZE;
        count--;
        return b;
    }

    /** Empties the queue. */
    protected final void clearQueue() {
        head = 0;
        count = 0;
    }

    /** A byte the controller sends to the device. */
    final void write(int value) {
        int command = pendingCommand;
        pendingCommand = -1;
        if (command >= 0) {
            parameter(command, value);
        } else {
            command(value);
        }
    }

    /** Handles a command byte. */
    protected abstract void command(int value);

    /** Handles the parameter byte {@code value} of {@code command}. */
    protected abstract void parameter(int command, int value);

    /** Power-on state (queue empty). */
    abstract void reset();
}
