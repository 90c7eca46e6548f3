package dev.jemu.devices.isa;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * One 8237A DMA controller of the PC's pair, with its page registers, as QEMU's
 * {@code i8257} presents them: the first (channels 0–3, {@link #primary()}) at ports
 * 0x00–0x0F with pages at 0x81–0x83 and 0x87, the second (channels 4–7, {@link #secondary()})
 * at 0xC0–0xDF, one register per two ports, with pages at 0x89–0x8B and 0x8F.
 *
 * <p>Registers: per channel a 16-bit address and count, written and read a byte at a time
 * through the byte-pointer flip-flop (writes go to the base register and, with the high
 * byte, to the current register; reads return the current one, as in QEMU); status (read:
 * terminal count bits 3:0, cleared by the read, and request bits 7:4), command (write;
 * settings QEMU does not support are refused and logged under {@code -d unimp}), software
 * request, single mask, mode, clear flip-flop, master clear (masks all, clears status and
 * command), clear all masks, write all masks; the mask register reads back at the second
 * control port, as in QEMU; other control reads give 0. A port of the second controller
 * and the odd port after it reach the same register.
 *
 * <p>No transfers run: the machine has no ISA DMA device (no floppy, no Sound Blaster), so the
 * current address and count change only when written, and requests stay pending in the
 * status register.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class IsaDma {
    /** Control register numbers (the port is base + (number << shift)). */
    public static final int REG_STATUS_COMMAND = 8;
    public static final int REG_REQUEST = 9;
    public static final int REG_SINGLE_MASK = 10;
    public static final int REG_MODE = 11;
    public static final int REG_CLEAR_FLIP_FLOP = 12;
    public static final int REG_MASTER_CLEAR = 13;
    public static final int REG_CLEAR_MASKS = 14;
    public static final int REG_WRITE_MASKS = 15;

    /** Command bits QEMU supports: only "controller disable" (bit 2). */
    private static final int COMMAND_SUPPORTED = 0x04;
    /** Offsets of the page registers of channels 0–3 from the page block's base (0x80 or 0x88). */
    private static final int[] PAGE_OFFSET = {7, 3, 1, 2};
    /** First page port's offset from the page block's base; the page region spans 0x?1–0x?7. */
    private static final int PAGE_REGION_START = 1;

    private final String name;
    private final int base;
    private final int pageBase;
    private final int shift;
    /** Base and current address and count, indexed by channel * 2 + (0 address, 1 count). */
    private final int[] baseRegister = new int[8];
    private final int[] currentRegister = new int[8];
    private final int[] mode = new int[4];
    private final int[] page = new int[4];
    private boolean flipFlop;
    private int status;
    private int command;
    private int mask;

    private IsaDma(String name, int base, int pageBase, int shift) {
        this.name = name;
        this.base = base;
        this.pageBase = pageBase;
        this.shift = shift;
        reset();
    }

    /** The first controller: channels 0–3, byte transfers. */
    public static IsaDma primary() {
        return new IsaDma("dma1", 0x00, 0x80, 0);
    }

    /** The second controller: channels 4–7 (4 is the cascade), word transfers. */
    public static IsaDma secondary() {
        return new IsaDma("dma2", 0xC0, 0x88, 1);
    }

    /** Where {@link #registerRegion()} goes in the I/O space. */
    public int registerBase() {
        return base;
    }

    /** Where {@link #pageRegion()} goes in the I/O space (0x81 or 0x89). */
    public int pageRegionBase() {
        return pageBase + PAGE_REGION_START;
    }

    /** The 16 registers (32 ports for the second controller). */
    public MmioRegion registerRegion() {
        return new MmioRegion(name + "-regs", 16L << shift, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return readRegister((int) (offset >> shift) & 0xF);
            }

            @Override
            public void write(long offset, long value, int size) {
                writeRegister((int) (offset >> shift) & 0xF, (int) value & 0xFF);
            }
        }, AccessSizes.BYTE);
    }

    /**
     * Ports base+1 to base+7 of the page block; the page registers are at +1, +2, +3 and +7,
     * the others read 0xFF and ignore writes (QEMU leaves them unassigned). Port 0x80 (the
     * POST port) is not part of it.
     */
    public MmioRegion pageRegion() {
        return new MmioRegion(name + "-page", 7, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                int ch = pageChannel((int) offset + PAGE_REGION_START);
                return ch < 0 ? 0xFF : page[ch];
            }

            @Override
            public void write(long offset, long value, int size) {
                int ch = pageChannel((int) offset + PAGE_REGION_START);
                if (ch >= 0) {
                    page[ch] = (int) value & 0xFF;
                }
            }
        }, AccessSizes.BYTE);
    }

    private static int pageChannel(int offset) {
        for (int ch = 0; ch < 4; ch++) {
            if (PAGE_OFFSET[ch] == offset) {
                return ch;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ registers

    private int readRegister(int reg) {
        if (reg < REG_STATUS_COMMAND) {
            return currentRegister[reg] >> (toggle() ? 8 : 0) & 0xFF;
        }
        return switch (reg) {
            case REG_STATUS_COMMAND -> {
                int s = status;
                status &= 0xF0;
                yield s;
            }
            case REG_REQUEST -> mask;
            default -> 0;
        };
    }

    private void writeRegister(int reg, int value) {
        if (reg < REG_STATUS_COMMAND) {
            if (toggle()) {
                baseRegister[reg] = (baseRegister[reg] & 0xFF) | value << 8;
                currentRegister[reg] = baseRegister[reg];
            } else {
                baseRegister[reg] = (baseRegister[reg] & 0xFF00) | value;
            }
            return;
        }
        int ch = value & 3;
        switch (reg) {
            case REG_STATUS_COMMAND -> writeCommand(value);
            case REG_REQUEST -> status = (value & 4) != 0 ? status | 0x10 << ch : status & ~(0x10 << ch) & ~(1 << ch);
            case REG_SINGLE_MASK -> mask = (value & 4) != 0 ? mask | 1 << ch : mask & ~(1 << ch);
            case REG_MODE -> mode[ch] = value;
            case REG_CLEAR_FLIP_FLOP -> flipFlop = false;
            case REG_MASTER_CLEAR -> masterClear();
            case REG_CLEAR_MASKS -> mask = 0;
            default -> mask = value;
        }
    }

    private void writeCommand(int value) {
        if (value != 0 && (value & ~COMMAND_SUPPORTED) != 0) {
            if (Log.enabled(LogCategory.UNIMP)) {
                Log.log(LogCategory.UNIMP, name + ": command 0x" + Integer.toHexString(value) + " is not supported");
            }
            return;
        }
        command = value;
    }

    /** Returns the flip-flop (false: low byte) and toggles it. */
    private boolean toggle() {
        boolean high = flipFlop;
        flipFlop = !flipFlop;
        return high;
    }

    private void masterClear() {
        flipFlop = false;
        mask = 0xFF;
        status = 0;
        command = 0;
    }

    /** The mode register of channel {@code ch} (0–3 of this controller). */
    public int mode(int ch) {
        return mode[ch];
    }

    /** Whether the command register disables the controller. */
    public boolean isDisabled() {
        return (command & COMMAND_SUPPORTED) != 0;
    }

    /** A master clear, as QEMU's reset does; addresses, counts, modes and pages are kept. */
    public void reset() {
        masterClear();
    }
}
