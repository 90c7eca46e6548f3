package dev.jemu.devices.input;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.IrqLine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The i8042 at 0x60/0x64 driven as SeaBIOS and Linux's i8042/atkbd/psmouse drivers do.
 * Expected bytes from the 8042 and PS/2 keyboard/mouse command references, checked against
 * QEMU 7.2 by a guest that sent the same sequences (including the output port 0xCF, the
 * translated ID 0xAB 0x41, the mouse's answers and QEMU's silence to 0xE0 and unknown mouse
 * commands); the power-on status and command byte are QEMU's (SeaBIOS changes them before a
 * guest can look).
 */
class I8042Test {
    private final AddressSpace io = AddressSpace.ioPorts();
    private final List<String> edges = new ArrayList<>();
    private final IrqLine irq1 = new IrqLine(level -> edges.add("irq1=" + level));
    private final IrqLine irq12 = new IrqLine(level -> edges.add("irq12=" + level));
    private final IrqLine a20 = new IrqLine(level -> { });
    private int resets;
    private I8042 kbc;

    @BeforeEach
    void setUp() {
        kbc = new I8042(irq1, irq12, a20, () -> resets++);
        io.root().addSubregion(I8042.DATA_PORT, kbc.dataRegion());
        io.root().addSubregion(I8042.COMMAND_PORT, kbc.commandRegion());
    }

    private int status() {
        return (int) io.read(I8042.COMMAND_PORT, 1);
    }

    private void command(int c) {
        io.write(I8042.COMMAND_PORT, c, 1);
    }

    private void data(int d) {
        io.write(I8042.DATA_PORT, d, 1);
    }

    /** Reads every byte in the output buffer, as a driver's flush loop does. */
    private List<Integer> drain() {
        List<Integer> out = new ArrayList<>();
        while ((status() & I8042.STATUS_OBF) != 0) {
            out.add((int) io.read(I8042.DATA_PORT, 1));
        }
        return out;
    }

    private List<Integer> mouse(int b) {
        command(I8042.CMD_WRITE_AUX);
        data(b);
        List<Integer> out = new ArrayList<>();
        while ((status() & I8042.STATUS_OBF) != 0) {
            assertEquals(I8042.STATUS_AUX_OBF, status() & I8042.STATUS_AUX_OBF, "mouse bytes carry AUX_OBF");
            out.add((int) io.read(I8042.DATA_PORT, 1));
        }
        return out;
    }

    @Test
    void powerOnStateAsQemu() {
        assertEquals(0x18, status(), "CMD and unlocked, output buffer empty");
        command(I8042.CMD_READ_COMMAND_BYTE);
        assertEquals(0x19, status());
        assertEquals(List.of(0x03), drain(), "keyboard and aux interrupts enabled");
        command(I8042.CMD_READ_OUTPUT_PORT);
        assertEquals(List.of(0xCF), drain(), "reset high, A20 on, QEMU's fixed ones");
        assertTrue(a20.isRaised());
    }

    @Test
    void selfTestAnswers55AndSetsSystemFlag() {
        command(I8042.CMD_SELF_TEST);
        assertEquals(List.of(0x55), drain());
        assertEquals(I8042.STATUS_SYS, status() & I8042.STATUS_SYS);
        command(I8042.CMD_KBD_TEST);
        assertEquals(List.of(0x00), drain());
        command(I8042.CMD_AUX_TEST);
        assertEquals(List.of(0x00), drain());
        command(I8042.CMD_READ_INPUT_PORT);
        assertEquals(List.of(0x80), drain());
    }

    @Test
    void commandByteWritesReadBackAndGateIrq1() {
        command(I8042.CMD_WRITE_COMMAND_BYTE);
        data(0x60);
        assertEquals(0x10, status() & 0x18, "the data write cleared CMD");
        command(I8042.CMD_READ_COMMAND_BYTE);
        assertFalse(irq1.isRaised(), "KBD_INT clear: no IRQ1");
        assertEquals(List.of(0x60), drain());
        command(I8042.CMD_WRITE_COMMAND_BYTE);
        data(0x61);
        command(I8042.CMD_READ_COMMAND_BYTE);
        assertTrue(irq1.isRaised());
        assertEquals(List.of(0x61), drain());
        assertFalse(irq1.isRaised(), "reading the data port lowers IRQ1");
    }

    @Test
    void keyboardResetAnswersAckThenBatWithAnEdgePerByte() {
        data(Ps2Keyboard.RESET);
        assertEquals(List.of(0xFA, 0xAA), drain());
        assertEquals(List.of("irq1=true", "irq1=false", "irq1=true", "irq1=false"), edges);
    }

    @Test
    void keyboardIdentifiesAsMf2TranslatedOrNot() {
        data(Ps2Keyboard.IDENTIFY);
        assertEquals(List.of(0xFA, 0xAB, 0x83), drain());
        command(I8042.CMD_WRITE_COMMAND_BYTE);
        data(0x61);
        data(Ps2Keyboard.IDENTIFY);
        assertEquals(List.of(0xFA, 0xAB, 0x41), drain(), "translation on: 0x41, as QEMU");
    }

    @Test
    void keyboardLedsScanCodeSetEchoAndUnknownCommands() {
        data(Ps2Keyboard.SET_LEDS);
        data(0x07);
        assertEquals(List.of(0xFA, 0xFA), drain());
        assertEquals(7, kbc.keyboardLeds());
        data(Ps2Keyboard.SCAN_CODE_SET);
        data(0x00);
        assertEquals(List.of(0xFA, 0xFA, 0x02), drain(), "set 2 by default");
        data(Ps2Keyboard.SCAN_CODE_SET);
        data(0x05);
        assertEquals(List.of(0xFA, 0xFE), drain(), "no set 5");
        data(Ps2Keyboard.SET_TYPEMATIC);
        data(0x20);
        assertEquals(List.of(0xFA, 0xFA), drain());
        data(Ps2Keyboard.ECHO);
        assertEquals(List.of(0xEE), drain());
        data(0x01);
        assertEquals(List.of(0xFE), drain());
        data(0xFE);
        assertEquals(List.of(0xFE), drain(), "Resend is not a command QEMU's keyboard takes");
        data(Ps2Keyboard.RESET_DISABLE);
        data(Ps2Keyboard.ENABLE_SCANNING);
        assertEquals(List.of(0xFA, 0xFA), drain());
    }

    @Test
    void disabledKeyboardPortHoldsKeyboardBytesButNotControllerAnswers() {
        data(Ps2Keyboard.IDENTIFY);
        command(I8042.CMD_KBD_DISABLE);
        assertEquals(List.of(0xFA), drain(), "the byte already in the buffer is read");
        assertEquals(0, status() & I8042.STATUS_OBF, "the rest waits");
        command(I8042.CMD_READ_COMMAND_BYTE);
        assertEquals(List.of(0x13), drain(), "KBD_DISABLE set; the controller still answers");
        command(I8042.CMD_KBD_ENABLE);
        assertEquals(List.of(0xAB, 0x83), drain());
    }

    @Test
    void auxPortEnableDisableShowsInTheCommandByte() {
        command(I8042.CMD_AUX_DISABLE);
        command(I8042.CMD_READ_COMMAND_BYTE);
        assertEquals(List.of(0x23), drain());
        command(I8042.CMD_AUX_ENABLE);
        command(I8042.CMD_READ_COMMAND_BYTE);
        assertEquals(List.of(0x03), drain());
    }

    @Test
    void auxLoopbackComesBackAsMouseDataOnIrq12() {
        command(I8042.CMD_WRITE_AUX_OUTPUT);
        data(0x5A);
        assertEquals(I8042.STATUS_OBF | I8042.STATUS_AUX_OBF, status() & 0x21);
        assertTrue(irq12.isRaised());
        assertFalse(irq1.isRaised());
        assertEquals(List.of(0x5A), drain());
        assertFalse(irq12.isRaised());
        command(I8042.CMD_WRITE_KBD_OUTPUT);
        data(0x1C);
        assertEquals(0, status() & I8042.STATUS_AUX_OBF);
        assertTrue(irq1.isRaised());
        assertEquals(List.of(0x1C), drain());
    }

    @Test
    void mouseAnswersAsQemuDoes() {
        command(I8042.CMD_AUX_ENABLE);
        assertEquals(List.of(0xFA), mouse(Ps2Mouse.SET_RESOLUTION));
        assertEquals(List.of(0xFA), mouse(9));
        assertEquals(List.of(0xFA, 0x00, 0x09, 0x00), mouse(Ps2Mouse.STATUS_REQUEST), "sample rate 0 after a machine reset");
        assertEquals(List.of(0xFA, 0x08, 0x00, 0x00), mouse(Ps2Mouse.READ_DATA));
        assertEquals(List.of(0xFA), mouse(Ps2Mouse.SET_REMOTE_MODE));
        assertEquals(List.of(0xFA), mouse(Ps2Mouse.SET_SCALING_2_1));
        assertEquals(List.of(0xFA), mouse(Ps2Mouse.ENABLE_REPORTING));
        assertEquals(List.of(0xFA, 0x70, 0x09, 0x00), mouse(Ps2Mouse.STATUS_REQUEST));
        assertEquals(List.of(), mouse(0x01), "no answer to an unknown command");
        assertEquals(List.of(0xFA, 0xAA, 0x00), mouse(Ps2Mouse.RESET));
        assertEquals(List.of(0xFA, 0x00, 0x02, 100), mouse(Ps2Mouse.STATUS_REQUEST), "reset: defaults 2 and 100, stream mode");
        assertEquals(List.of(0xFA, 0x00), mouse(Ps2Mouse.GET_ID));
    }

    @Test
    void intelliMouseRateSequencesChangeTheId() {
        for (int rate : new int[] {200, 100, 80}) {
            mouse(Ps2Mouse.SET_SAMPLE_RATE);
            mouse(rate);
        }
        assertEquals(List.of(0xFA, 0x03), mouse(Ps2Mouse.GET_ID));
        assertEquals(List.of(0xFA, 0x08, 0x00, 0x00, 0x00), mouse(Ps2Mouse.READ_DATA), "four-byte packets");
        for (int rate : new int[] {200, 200, 80}) {
            mouse(Ps2Mouse.SET_SAMPLE_RATE);
            mouse(rate);
        }
        assertEquals(List.of(0xFA, 0x04), mouse(Ps2Mouse.GET_ID));
        assertEquals(List.of(0xFA, 0xAA, 0x00), mouse(Ps2Mouse.RESET), "reset returns to a standard mouse");
    }

    @Test
    void mouseWrapModeEchoesUntilReset() {
        assertEquals(List.of(0xFA), mouse(Ps2Mouse.SET_WRAP_MODE));
        assertEquals(List.of(0x12), mouse(0x12));
        assertEquals(List.of(0xF2), mouse(Ps2Mouse.GET_ID));
        assertEquals(List.of(0xFA), mouse(Ps2Mouse.RESET_WRAP_MODE));
        assertEquals(List.of(0xFA, 0x00), mouse(Ps2Mouse.GET_ID));
    }

    @Test
    void disabledAuxPortHoldsMouseBytes() {
        command(I8042.CMD_AUX_DISABLE);
        command(I8042.CMD_WRITE_AUX);
        data(Ps2Mouse.GET_ID);
        assertEquals(List.of(), drain());
        command(I8042.CMD_AUX_ENABLE);
        assertEquals(List.of(0xFA, 0x00), drain());
    }

    @Test
    void outputPortDrivesA20AndReset() {
        command(I8042.CMD_WRITE_OUTPUT_PORT);
        data(0xDD);
        assertFalse(a20.isRaised());
        assertFalse(kbc.a20Enabled());
        assertEquals(0, resets);
        command(I8042.CMD_READ_OUTPUT_PORT);
        assertEquals(List.of(0xCD), drain(), "bits 4 and 5 follow the output buffer, empty then");
        command(I8042.CMD_A20_ENABLE);
        assertTrue(a20.isRaised());
        command(I8042.CMD_A20_DISABLE);
        assertFalse(a20.isRaised());
        command(I8042.CMD_WRITE_OUTPUT_PORT);
        data(0xDE);
        assertEquals(1, resets, "bit 0 low resets the CPU");
    }

    @Test
    void pulseCommandsResetOnlyWhenBit0IsPulsed() {
        command(0xFF);
        assertEquals(0, resets);
        command(I8042.CMD_RESET);
        assertEquals(1, resets);
        command(0xF0);
        assertEquals(2, resets);
    }

    @Test
    void unsupportedCommandIsIgnored() {
        command(0xC8);
        assertEquals(List.of(), drain());
        data(Ps2Keyboard.ECHO);
        assertEquals(List.of(0xEE), drain(), "the controller still works");
    }

    @Test
    void resetRestoresPowerOnState() {
        command(I8042.CMD_WRITE_COMMAND_BYTE);
        data(0x70);
        command(I8042.CMD_A20_DISABLE);
        data(Ps2Keyboard.IDENTIFY);
        kbc.reset();
        assertEquals(0x18, status());
        assertTrue(a20.isRaised());
        command(I8042.CMD_READ_COMMAND_BYTE);
        assertEquals(List.of(0x03), drain());
    }
}
