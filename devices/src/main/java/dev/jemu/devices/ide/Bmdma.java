package dev.jemu.devices.ide;

import dev.jemu.core.memory.AddressSpace;

/**
 * The bus-master DMA registers of one channel (8 bytes of the PIIX's BAR4 block, as the
 * "Programming Interface for Bus Master IDE Controller" defines them): command (start/stop,
 * direction), status (active, error, interrupt, drive DMA capable) and the PRD table address.
 * Setting the start bit makes the engine active and restarts the PRD walk at the table's
 * first entry; the channel's DMA transfer then moves data through {@link #prd()}. Clearing
 * the start bit in the middle of a transfer pauses it after the chunk in flight, with the
 * drive still busy; setting it again goes on from the table's first entry.
 *
 * <p>Threading: under the big emulator lock.
 */
final class Bmdma {
    static final int COMMAND = 0;
    static final int STATUS = 2;
    static final int PRD_ADDRESS = 4;

    static final int CMD_START = 0x01;
    static final int CMD_TO_MEMORY = 0x08;
    static final int ST_ACTIVE = 0x01;
    static final int ST_ERROR = 0x02;
    static final int ST_INTERRUPT = 0x04;
    static final int ST_DRIVE_DMA = 0x60;

    private final PrdTable prd;
    private IdeChannel channel;
    private int command;
    private int status;
    private int prdAddress;

    Bmdma(AddressSpace memory) {
        this.prd = new PrdTable(memory);
    }

    void attach(IdeChannel channel) {
        this.channel = channel;
    }

    PrdTable prd() {
        return prd;
    }

    /** Whether the guest has started the engine. */
    boolean isStarted() {
        return (command & CMD_START) != 0;
    }

    /** Reads the byte at {@code offset} (0-7) of this channel's block. */
    int read(int offset) {
        return switch (offset) {
            case COMMAND -> command;
            case STATUS -> status;
            case PRD_ADDRESS, PRD_ADDRESS + 1, PRD_ADDRESS + 2, PRD_ADDRESS + 3 ->
                    (prdAddress >>> (8 * (offset - PRD_ADDRESS))) & 0xFF;
            default -> 0;
        };
    }

    /** Writes the byte at {@code offset} (0-7) of this channel's block. */
    void write(int offset, int value) {
        switch (offset) {
            case COMMAND -> writeCommand(value);
            case STATUS -> status = (value & ST_DRIVE_DMA) | (status & ST_ACTIVE)
                    | (status & ~value & (ST_ERROR | ST_INTERRUPT));
            case PRD_ADDRESS, PRD_ADDRESS + 1, PRD_ADDRESS + 2, PRD_ADDRESS + 3 -> {
                int shift = 8 * (offset - PRD_ADDRESS);
                prdAddress = (prdAddress & ~(0xFF << shift)) | (value << shift);
                prdAddress &= ~3;
            }
            default -> {
            }
        }
    }

    private void writeCommand(int value) {
        boolean wasStarted = isStarted();
        command = value & (CMD_START | CMD_TO_MEMORY);
        if (isStarted() && !wasStarted) {
            status |= ST_ACTIVE;
            prd.start(prdAddress & 0xFFFF_FFFFL);
            channel.dmaEngineStarted();
        } else if (!isStarted() && wasStarted) {
            status &= ~ST_ACTIVE;
        }
    }

    /** The device raised its interrupt: the status's interrupt bit records it. */
    void interruptRaised() {
        status |= ST_INTERRUPT;
    }

    /**
     * Ends a transfer: the engine stays active only if the table still has entries (the
     * table was longer than the transfer); {@code memoryError} sets the error bit.
     */
    void transferEnded(boolean memoryError) {
        if (memoryError) {
            status |= ST_ERROR;
        }
        if (memoryError || prd.atEnd()) {
            status &= ~ST_ACTIVE;
        }
    }

    /**
     * The engine stops without an error of its own: the table ended before the transfer did,
     * or the device aborted the command.
     */
    void deactivate() {
        status &= ~ST_ACTIVE;
    }

    void reset() {
        command = 0;
        status = 0;
        prdAddress = 0;
        prd.start(0);
    }
}
