package dev.jemu.devices.pci;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jemu.devices.pci.PciTestMachine.devfn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bus 0 through configuration mechanism #1, with expected values from the PCI Local Bus
 * Specification 3.0 (configuration header, BAR sizing, master abort) and the i440FX board's
 * INTx wiring as QEMU's pc machine has it.
 */
class PciBusTest {
    private static final long MMIO_VALUE = 0xA5A5_0001L;
    private static final long PIO_VALUE = 0x5A5A_0002L;

    /** A function with a 4 KiB memory BAR 0, a 32-byte I/O BAR 1 and a 16 KiB 64-bit BAR 2. */
    static final class TestFunction extends PciDevice {
        int resets;

        TestFunction(String name, int pin, boolean multiFunction) {
            super(name, 0x1234, 0x5678, 0x01, 0xFF0000);
            setInterruptPin(pin);
            if (multiFunction) {
                setMultiFunction();
            }
            registerBar(0, BarType.MEMORY32, 0x1000, constant("mmio", 0x1000, MMIO_VALUE));
            registerBar(1, BarType.IO, 0x20, constant("pio", 0x20, PIO_VALUE));
            registerBar(2, BarType.MEMORY64_PREFETCH, 0x4000, constant("mmio64", 0x4000, MMIO_VALUE));
        }

        void interrupt(boolean level) {
            setIntx(level);
        }

        @Override
        protected void resetDevice() {
            resets++;
        }
    }

    private static MmioRegion constant(String name, long size, long value) {
        return new MmioRegion(name, size, new MmioOps() {
            @Override
            public long read(long offset, int s) {
                return value;
            }

            @Override
            public void write(long offset, long v, int s) {
            }
        }, AccessSizes.DWORD);
    }

    private final PciTestMachine m = new PciTestMachine();

    private TestFunction plug(int slot, int function, int pin, boolean multiFunction) {
        TestFunction f = new TestFunction("test" + slot + "." + function, pin, multiFunction);
        m.bus.plug(f, devfn(slot, function));
        return f;
    }

    @Test
    void absentFunctionsAndOtherBusesReadAllOnes() {
        plug(3, 0, 1, false);
        assertEquals(0xFFFF_FFFFL, m.configRead(devfn(4, 0), 0, 4));
        assertEquals(0xFFFFL, m.configRead(devfn(4, 0), 2, 2));
        assertEquals(0xFFL, m.configRead(devfn(4, 0), 0x3D, 1));
        m.io.write(0xCF8, 0x8001_0000L | devfn(3, 0) << 8, 4);
        assertEquals(0xFFFF_FFFFL, m.io.read(0xCFC, 4), "bus 1 does not exist");
        m.io.write(0xCF8, (long) devfn(3, 0) << 8, 4);
        assertEquals(0xFFFF_FFFFL, m.io.read(0xCFC, 4), "enable bit clear: no configuration cycle");
    }

    @Test
    void headerReadsAtEverySizeAndOffset() {
        plug(3, 0, 1, false);
        int d = devfn(3, 0);
        assertEquals(0x5678_1234L, m.configRead(d, 0, 4));
        assertEquals(0x5678L, m.configRead(d, 2, 2));
        assertEquals(0x56L, m.configRead(d, 3, 1));
        assertEquals(0xFF00_0001L, m.configRead(d, 8, 4), "class code over revision");
        assertEquals(1L, m.configRead(d, PciDevice.INTERRUPT_PIN, 1));
        assertEquals(0x1100_1AF4L, m.configRead(d, PciDevice.SUBSYSTEM_VENDOR_ID, 4), "QEMU's default subsystem");
    }

    @Test
    void readOnlyRegistersIgnoreWritesAndWritableOnesKeepThem() {
        plug(3, 0, 1, false);
        int d = devfn(3, 0);
        m.configWrite(d, 0, 0xFFFF_FFFFL, 4);
        assertEquals(0x5678_1234L, m.configRead(d, 0, 4));
        m.configWrite(d, PciDevice.INTERRUPT_LINE, 11, 1);
        assertEquals(11L, m.configRead(d, PciDevice.INTERRUPT_LINE, 1));
        m.configWrite(d, PciDevice.INTERRUPT_PIN, 3, 1);
        assertEquals(1L, m.configRead(d, PciDevice.INTERRUPT_PIN, 1));
        m.configWrite(d, PciDevice.COMMAND, 0xFFFF, 2);
        assertEquals(0x0507L, m.configRead(d, PciDevice.COMMAND, 2), "I/O, memory, master, SERR, INTx disable");
        m.configWrite(d, PciDevice.COMMAND, 0, 2);
    }

    @Test
    void configAddressReadsBackAsWrittenAndOnlyDwordWritesChangeIt() {
        m.io.write(0xCF8, 0x7F00_1A47L, 4);
        assertEquals(0x7F00_1A47L, m.io.read(0xCF8, 4), "as QEMU 7.2 reads it back");
        m.io.write(0xCF8, 0x8000_005CL, 4);
        assertEquals(0x5CL, m.io.read(0xCF8, 1), "narrow reads give the low bytes, as QEMU's");
        assertEquals(0x005CL, m.io.read(0xCFA, 2));
        m.io.write(0xCFB, 0x55, 1);
        m.io.write(0xCF8, 0x1234, 2);
        assertEquals(0x8000_005CL, m.io.read(0xCF8, 4));
    }

    @Test
    void byteAccessesToCf9ReachTheResetControlRegister() {
        List<Long> writes = new ArrayList<>();
        m.conf1.setResetControl(new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0x02;
            }

            @Override
            public void write(long offset, long value, int size) {
                writes.add(value);
            }
        });
        m.io.write(0xCF9, 0x06, 1);
        assertEquals(List.of(0x06L), writes);
        assertEquals(0x02L, m.io.read(0xCF9, 1));
        m.io.write(0xCF8, 0x8000_0000L, 4);
        assertEquals(List.of(0x06L), writes, "a dword write at 0xCF8 is CONFIG_ADDRESS only");
        assertEquals(0x8000_0000L, m.io.read(0xCF8, 4));
    }

    @Test
    void barSizingReadsBackSizeMaskWithTypeBits() {
        plug(3, 0, 1, false);
        int d = devfn(3, 0);
        for (int bar = 0; bar < 6; bar++) {
            m.configWrite(d, PciDevice.BAR0 + 4 * bar, 0xFFFF_FFFFL, 4);
        }
        assertEquals(0xFFFF_F000L, m.configRead(d, 0x10, 4), "4 KiB memory BAR");
        assertEquals(0xFFFF_FFE1L, m.configRead(d, 0x14, 4), "32-byte I/O BAR");
        assertEquals(0xFFFF_C00CL, m.configRead(d, 0x18, 4), "16 KiB 64-bit prefetchable, low half");
        assertEquals(0xFFFF_FFFFL, m.configRead(d, 0x1C, 4), "high half");
        assertEquals(0L, m.configRead(d, 0x20, 4), "unimplemented BAR reads 0");
        assertEquals(0L, m.configRead(d, 0x24, 4));
    }

    @Test
    void memoryBarDecodesOnlyWhileMemorySpaceIsEnabled() {
        TestFunction f = plug(3, 0, 1, false);
        int d = devfn(3, 0);
        m.configWrite(d, 0x10, 0xE000_1000L, 4);
        assertEquals(0xFFFF_FFFFL, m.memory.read(0xE000_1000L, 4), "not decoded before COMMAND.MEM");
        assertEquals(-1, f.barAddress(0));
        m.configWrite(d, PciDevice.COMMAND, PciDevice.COMMAND_MEMORY, 2);
        assertEquals(MMIO_VALUE, m.memory.read(0xE000_1000L, 4));
        assertEquals(0xE000_1000L, f.barAddress(0));
        m.configWrite(d, 0x10, 0xE000_4000L, 4);
        assertEquals(0xFFFF_FFFFL, m.memory.read(0xE000_1000L, 4), "moved away");
        assertEquals(MMIO_VALUE, m.memory.read(0xE000_4000L, 4));
        m.configWrite(d, PciDevice.COMMAND, 0, 2);
        assertEquals(0xFFFF_FFFFL, m.memory.read(0xE000_4000L, 4));
        assertEquals(0xFFFF_FFFFL, m.io.read(0xC000, 4), "I/O BAR was never enabled");
    }

    @Test
    void ioBarDecodesOnlyWhileIoSpaceIsEnabled() {
        TestFunction f = plug(3, 0, 1, false);
        int d = devfn(3, 0);
        m.configWrite(d, 0x14, 0xC041L, 4);
        assertEquals(0xC041L, m.configRead(d, 0x14, 4), "I/O indicator bit is read-only 1");
        assertEquals(0xFFFF_FFFFL, m.io.read(0xC040, 4));
        m.configWrite(d, PciDevice.COMMAND, PciDevice.COMMAND_IO, 1);
        assertEquals(PIO_VALUE, m.io.read(0xC040, 4));
        assertEquals(0xC040L, f.barAddress(1));
        assertEquals(0xFFFF_FFFFL, m.memory.read(0, 4), "memory BAR at 0 never decodes");
    }

    @Test
    void sixtyFourBitBarDecodesAboveFourGigabytes() {
        TestFunction f = plug(3, 0, 1, false);
        int d = devfn(3, 0);
        m.configWrite(d, 0x18, 0x0000_8000L, 4);
        m.configWrite(d, 0x1C, 0x0000_0001L, 4);
        m.configWrite(d, PciDevice.COMMAND, PciDevice.COMMAND_MEMORY, 2);
        assertEquals(0x1_0000_8000L, f.barAddress(2));
        assertEquals(MMIO_VALUE, m.memory.read(0x1_0000_8000L, 4));
        assertEquals(0x0000_800CL, m.configRead(d, 0x18, 4));
        assertEquals(1L, m.configRead(d, 0x1C, 4));
    }

    @Test
    void sizingPatternWithMemoryEnabledMapsNothing() {
        TestFunction f = plug(3, 0, 1, false);
        int d = devfn(3, 0);
        m.configWrite(d, PciDevice.COMMAND, PciDevice.COMMAND_MEMORY | PciDevice.COMMAND_IO, 2);
        m.configWrite(d, 0x10, 0xFFFF_FFFFL, 4);
        m.configWrite(d, 0x14, 0xFFFF_FFFFL, 4);
        assertEquals(-1, f.barAddress(0), "a 32-bit BAR ending at 0xFFFFFFFF is not mapped");
        assertEquals(-1, f.barAddress(1), "an I/O BAR beyond 64 KiB is not mapped");
        assertEquals(0xFFFF_FFFFL, m.memory.read(0xFFFF_F000L, 4));
        m.configWrite(d, 0x10, 0xFFFF_E000L, 4);
        assertEquals(0xFFFF_E000L, f.barAddress(0), "one page lower is a valid address");
    }

    @Test
    void intxPinsAreSwizzledOntoPirqLinesBySlot() {
        boolean[] pirq = new boolean[4];
        m.bus.setIntxRouter((line, level) -> pirq[line] = level);
        TestFunction slot1a = plug(1, 0, 1, false);
        TestFunction slot2a = plug(2, 0, 1, false);
        TestFunction slot3d = plug(3, 0, 4, false);
        TestFunction slot4b = plug(4, 0, 2, false);
        slot1a.interrupt(true);
        assertArrayEquals4(pirq, true, false, false, false);
        slot1a.interrupt(false);
        slot2a.interrupt(true);
        assertArrayEquals4(pirq, false, true, false, false);
        slot2a.interrupt(false);
        slot3d.interrupt(true);
        assertArrayEquals4(pirq, false, true, false, false);
        slot3d.interrupt(false);
        slot4b.interrupt(true);
        assertArrayEquals4(pirq, true, false, false, false);
        assertEquals(PciDevice.STATUS_INTERRUPT, m.configRead(devfn(4, 0), PciDevice.STATUS, 2) & PciDevice.STATUS_INTERRUPT);
    }

    private static void assertArrayEquals4(boolean[] actual, boolean a, boolean b, boolean c, boolean d) {
        assertEquals(List.of(a, b, c, d), List.of(actual[0], actual[1], actual[2], actual[3]));
    }

    @Test
    void sharedPirqStaysAssertedUntilEveryFunctionLowersIt() {
        List<String> events = new ArrayList<>();
        m.bus.setIntxRouter((line, level) -> events.add(line + "=" + level));
        TestFunction a = plug(1, 0, 1, false);
        TestFunction b = plug(5, 0, 1, false);
        a.interrupt(true);
        b.interrupt(true);
        a.interrupt(false);
        assertTrue(m.bus.pirqLevel(0));
        b.interrupt(false);
        assertFalse(m.bus.pirqLevel(0));
        assertEquals(List.of("0=true", "0=false"), events, "the router hears only level changes");
    }

    @Test
    void intxDisableMasksThePinButKeepsInterruptStatus() {
        TestFunction f = plug(1, 0, 1, false);
        int d = devfn(1, 0);
        f.interrupt(true);
        assertTrue(m.bus.pirqLevel(0));
        m.configWrite(d, PciDevice.COMMAND + 1, PciDevice.COMMAND_INTX_DISABLE >> 8, 1);
        assertFalse(m.bus.pirqLevel(0));
        assertEquals(PciDevice.STATUS_INTERRUPT, m.configRead(d, PciDevice.STATUS, 2) & PciDevice.STATUS_INTERRUPT);
        m.configWrite(d, PciDevice.COMMAND, 0, 2);
        assertTrue(m.bus.pirqLevel(0));
    }

    @Test
    void otherFunctionsShowOnlyBehindAMultiFunctionFunctionZero() {
        plug(6, 1, 1, false);
        assertEquals(0xFFFF_FFFFL, m.configRead(devfn(6, 1), 0, 4), "no function 0");
        plug(6, 0, 1, false);
        assertEquals(0xFFFF_FFFFL, m.configRead(devfn(6, 1), 0, 4), "function 0 is single-function");
        plug(7, 0, 1, true);
        plug(7, 2, 1, false);
        assertEquals(0x80L, m.configRead(devfn(7, 0), PciDevice.HEADER_TYPE, 1));
        assertEquals(0x5678_1234L, m.configRead(devfn(7, 2), 0, 4));
        assertEquals(0xFFFF_FFFFL, m.configRead(devfn(7, 1), 0, 4));
    }

    @Test
    void resetUnmapsBarsAndRestoresPowerOnConfig() {
        TestFunction f = plug(3, 0, 1, false);
        int d = devfn(3, 0);
        m.configWrite(d, 0x10, 0xE000_0000L, 4);
        m.configWrite(d, PciDevice.COMMAND, PciDevice.COMMAND_MEMORY, 2);
        m.configWrite(d, PciDevice.INTERRUPT_LINE, 10, 1);
        m.bus.reset();
        assertEquals(1, f.resets);
        assertEquals(-1, f.barAddress(0));
        assertEquals(0xFFFF_FFFFL, m.memory.read(0xE000_0000L, 4));
        assertEquals(0L, m.configRead(d, 0x10, 4));
        assertEquals(0L, m.configRead(d, PciDevice.COMMAND, 2));
        assertEquals(0L, m.configRead(d, PciDevice.INTERRUPT_LINE, 1));
    }

    @Test
    void pluggingIntoATakenFunctionNamesBothDevices() {
        plug(3, 0, 1, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plug(3, 0, 1, false));
        assertEquals("PCI: slot 3 function 0 not available for test3.0, in use by test3.0", e.getMessage());
        assertEquals(devfn(4, 0), m.bus.freeSlot(3));
    }
}
