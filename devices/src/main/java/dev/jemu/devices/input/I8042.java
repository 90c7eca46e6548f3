package dev.jemu.devices.input;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;

/**
 * The i8042 keyboard controller of the PC (QEMU's {@code i8042}) with a PS/2 keyboard on its
 * first port and a PS/2 mouse on its auxiliary port: data port 0x60, status/command port 0x64.
 *
 * <p>One output buffer carries, in this order of preference, the controller's own answers,
 * keyboard bytes (unless the keyboard port is disabled) and mouse bytes (unless the aux port
 * is disabled); it raises IRQ1 for keyboard data and IRQ12 for mouse data while the command
 * byte enables them. Reading port 0x60 empties it, and the next waiting byte follows at once
 * with a fresh interrupt edge.
 *
 * <p>Controller commands: 0x20/0x60 read/write the command byte, 0xA7/0xA8 disable/enable
 * the aux port, 0xA9 aux interface test (0x00), 0xAA self test (0x55, and the status SYS
 * flag), 0xAB keyboard interface test (0x00), 0xAD/0xAE disable/enable the keyboard port,
 * 0xC0 read input port (0x80: not inhibited), 0xD0/0xD1 read/write the output port, 0xD2/0xD3
 * write the keyboard/aux output buffer, 0xD4 write to the mouse, 0xDD/0xDF A20 off/on,
 * 0xF0–0xFF pulse output lines (bit 0 clear: CPU reset, so 0xFE is the classic reset). Others
 * (0xE0 among them, as in QEMU) are logged under {@code -d guest_errors} and ignored. Bytes
 * written to port 0x60 without a pending command go to the keyboard (and re-enable its port,
 * as QEMU does).
 *
 * <p>Output port: bit 0 low requests a reset (the {@code reset} runnable), bit 1 is A20,
 * driven on the {@code a20} line. jemu's CPU has no A20 gate yet: the line reads back through
 * 0xD0 and whoever listens to it, but addresses are not masked.
 *
 * <p>Threading: under the big emulator lock.
 */
public final class I8042 {
    public static final int DATA_PORT = 0x60;
    public static final int COMMAND_PORT = 0x64;

    // Status register (port 0x64 read)
    public static final int STATUS_OBF = 0x01;
    public static final int STATUS_SYS = 0x04;
    public static final int STATUS_CMD = 0x08;
    public static final int STATUS_UNLOCKED = 0x10;
    public static final int STATUS_AUX_OBF = 0x20;

    // Command byte
    public static final int CB_KBD_INT = 0x01;
    public static final int CB_AUX_INT = 0x02;
    public static final int CB_SYS = 0x04;
    public static final int CB_KBD_DISABLE = 0x10;
    public static final int CB_AUX_DISABLE = 0x20;
    public static final int CB_TRANSLATE = 0x40;

    // Output port
    public static final int OUT_RESET = 0x01;
    public static final int OUT_A20 = 0x02;
    public static final int OUT_KBD_OBF = 0x10;
    public static final int OUT_AUX_OBF = 0x20;
    /** Bits that read as 1 in QEMU's output port. */
    private static final int OUT_ONES = 0xCC;

    // Controller commands
    public static final int CMD_READ_COMMAND_BYTE = 0x20;
    public static final int CMD_WRITE_COMMAND_BYTE = 0x60;
    public static final int CMD_AUX_DISABLE = 0xA7;
    public static final int CMD_AUX_ENABLE = 0xA8;
    public static final int CMD_AUX_TEST = 0xA9;
    public static final int CMD_SELF_TEST = 0xAA;
    public static final int CMD_KBD_TEST = 0xAB;
    public static final int CMD_KBD_DISABLE = 0xAD;
    public static final int CMD_KBD_ENABLE = 0xAE;
    public static final int CMD_READ_INPUT_PORT = 0xC0;
    public static final int CMD_READ_OUTPUT_PORT = 0xD0;
    public static final int CMD_WRITE_OUTPUT_PORT = 0xD1;
    public static final int CMD_WRITE_KBD_OUTPUT = 0xD2;
    public static final int CMD_WRITE_AUX_OUTPUT = 0xD3;
    public static final int CMD_WRITE_AUX = 0xD4;
    public static final int CMD_A20_DISABLE = 0xDD;
    public static final int CMD_A20_ENABLE = 0xDF;
    public static final int CMD_PULSE = 0xF0;
    public static final int CMD_RESET = 0xFE;

    private static final int SELF_TEST_OK = 0x55;
    private static final int INTERFACE_OK = 0x00;
    private static final int INPUT_PORT = 0x80;
    /** Tags a controller-queue entry as aux data. */
    private static final int AUX = 0x100;
    private static final int CONTROLLER_QUEUE = 4;

    private final IrqLine irq1;
    private final IrqLine irq12;
    private final IrqLine a20;
    private final Runnable reset;
    private final Ps2Keyboard keyboard = new Ps2Keyboard(this::update);
    private final Ps2Mouse mouse = new Ps2Mouse(this::update);

    private int status;
    private int commandByte;
    private int outputPort;
    /** The controller command waiting for its data byte, or -1. */
    private int pendingCommand = -1;
    /** Controller answers waiting for the output buffer, with {@link #AUX} for aux data. */
    private final int[] controllerQueue = new int[CONTROLLER_QUEUE];
    private int controllerCount;
    private int outputBuffer;

    /**
     * @param irq1 keyboard interrupt
     * @param irq12 mouse interrupt
     * @param a20 the output port's A20 bit (raised = A20 enabled)
     * @param reset requests a CPU reset (the board's machine reset)
     */
    public I8042(IrqLine irq1, IrqLine irq12, IrqLine a20, Runnable reset) {
        this.irq1 = irq1;
        this.irq12 = irq12;
        this.a20 = a20;
        this.reset = reset;
        reset();
    }

    /** Port 0x60. */
    public MmioRegion dataRegion() {
        return new MmioRegion("i8042-data", 1, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return readData();
            }

            @Override
            public void write(long offset, long value, int size) {
                writeData((int) value & 0xFF);
            }
        }, AccessSizes.BYTE);
    }

    /** Port 0x64. */
    public MmioRegion commandRegion() {
        return new MmioRegion("i8042-cmd", 1, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return status;
            }

            @Override
            public void write(long offset, long value, int size) {
                writeCommand((int) value & 0xFF);
            }
        }, AccessSizes.BYTE);
    }

    /** Whether the output port enables A20. */
    public boolean a20Enabled() {
        return (outputPort & OUT_A20) != 0;
    }

    /** The keyboard's LED state (bit 0 scroll, 1 num, 2 caps lock). */
    public int keyboardLeds() {
        return keyboard.leds();
    }

    // ------------------------------------------------------------------ port access

    private int readData() {
        int value = outputBuffer;
        if ((status & STATUS_OBF) != 0) {
            status &= ~(STATUS_OBF | STATUS_AUX_OBF);
            updateLines();
            update();
        }
        return value;
    }

    private void writeData(int value) {
        status &= ~STATUS_CMD;
        int command = pendingCommand;
        pendingCommand = -1;
        switch (command) {
            case CMD_WRITE_COMMAND_BYTE -> setCommandByte(value);
            case CMD_WRITE_OUTPUT_PORT -> writeOutputPort(value);
            case CMD_WRITE_KBD_OUTPUT -> reply(value);
            case CMD_WRITE_AUX_OUTPUT -> reply(value | AUX);
            case CMD_WRITE_AUX -> mouse.write(value);
            default -> {
                commandByte &= ~CB_KBD_DISABLE;
                keyboard.write(value);
                update();
            }
        }
    }

    private void writeCommand(int value) {
        status |= STATUS_CMD;
        pendingCommand = -1;
        if ((value & CMD_PULSE) == CMD_PULSE) {
            if ((value & OUT_RESET) == 0) {
                reset.run();
            }
            return;
        }
        switch (value) {
            case CMD_READ_COMMAND_BYTE -> reply(commandByte);
            case CMD_WRITE_COMMAND_BYTE, CMD_WRITE_OUTPUT_PORT, CMD_WRITE_KBD_OUTPUT, CMD_WRITE_AUX_OUTPUT, CMD_WRITE_AUX ->
                    pendingCommand = value;
            case CMD_AUX_DISABLE -> setCommandByte(commandByte | CB_AUX_DISABLE);
            case CMD_AUX_ENABLE -> setCommandByte(commandByte & ~CB_AUX_DISABLE);
            case CMD_AUX_TEST, CMD_KBD_TEST -> reply(INTERFACE_OK);
            case CMD_SELF_TEST -> {
                status |= STATUS_SYS;
                reply(SELF_TEST_OK);
            }
            case CMD_KBD_DISABLE -> setCommandByte(commandByte | CB_KBD_DISABLE);
            case CMD_KBD_ENABLE -> setCommandByte(commandByte & ~CB_KBD_DISABLE);
            case CMD_READ_INPUT_PORT -> reply(INPUT_PORT);
            case CMD_READ_OUTPUT_PORT -> reply(outputPort);
            case CMD_A20_DISABLE -> writeOutputPort(outputPort & ~OUT_A20);
            case CMD_A20_ENABLE -> writeOutputPort(outputPort | OUT_A20);
            default -> {
                if (Log.enabled(LogCategory.GUEST_ERRORS)) {
                    Log.log(LogCategory.GUEST_ERRORS, "i8042: unsupported controller command 0x" + Integer.toHexString(value));
                }
            }
        }
    }

    // ------------------------------------------------------------------ command handlers

    private void setCommandByte(int value) {
        commandByte = value;
        keyboard.setTranslated((value & CB_TRANSLATE) != 0);
        update();
    }

    private void writeOutputPort(int value) {
        outputPort = value & ~(OUT_KBD_OBF | OUT_AUX_OBF) | outputPort & (OUT_KBD_OBF | OUT_AUX_OBF);
        a20.set((value & OUT_A20) != 0);
        if ((value & OUT_RESET) == 0) {
            reset.run();
        }
    }

    /** Queues a controller answer (with {@link #AUX}: as if from the mouse). */
    private void reply(int value) {
        if (controllerCount < CONTROLLER_QUEUE) {
            controllerQueue[controllerCount++] = value;
        }
        update();
    }

    // ------------------------------------------------------------------ output buffer and interrupts

    /** Fills an empty output buffer from the controller, keyboard or mouse, then drives the IRQ lines. */
    private void update() {
        if ((status & STATUS_OBF) == 0) {
            if (controllerCount > 0) {
                int v = controllerQueue[0];
                System.arraycopy(controllerQueue, 1, controllerQueue, 0, --controllerCount);
                load(v & 0xFF, (v & AUX) != 0);
            } else if (keyboard.hasData() && (commandByte & CB_KBD_DISABLE) == 0) {
                load(keyboard.take(), false);
            } else if (mouse.hasData() && (commandByte & CB_AUX_DISABLE) == 0) {
                load(mouse.take(), true);
            }
        }
        updateLines();
    }

    private void load(int value, boolean aux) {
        outputBuffer = value;
        status |= STATUS_OBF | (aux ? STATUS_AUX_OBF : 0);
    }

    private void updateLines() {
        boolean full = (status & STATUS_OBF) != 0;
        boolean aux = (status & STATUS_AUX_OBF) != 0;
        boolean kbdIrq = full && !aux && (commandByte & CB_KBD_INT) != 0;
        boolean auxIrq = full && aux && (commandByte & CB_AUX_INT) != 0;
        outputPort = outputPort & ~(OUT_KBD_OBF | OUT_AUX_OBF) | (full && !aux ? OUT_KBD_OBF : 0) | (full && aux ? OUT_AUX_OBF : 0);
        irq1.set(kbdIrq);
        irq12.set(auxIrq);
    }

    // ------------------------------------------------------------------ reset

    /** Power-on state: interrupts enabled in the command byte, A20 on, both devices reset. */
    public void reset() {
        status = STATUS_CMD | STATUS_UNLOCKED;
        commandByte = CB_KBD_INT | CB_AUX_INT;
        outputPort = OUT_RESET | OUT_A20 | OUT_ONES;
        pendingCommand = -1;
        controllerCount = 0;
        outputBuffer = 0;
        keyboard.reset();
        keyboard.setTranslated(false);
        mouse.reset();
        a20.set(true);
        updateLines();
    }
}
