package dev.jemu.devices.pci;

import dev.jemu.core.sync.BigLock;
import dev.jemu.devices.testdev.PciTestdev;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * pci-testdev through configuration space and its BARs as kvm-unit-tests' {@code pci-testdev}
 * driver uses it. Every expected value was read from QEMU 7.2 ({@code -device pci-testdev}
 * driven with {@code -qtest}: the same accesses, the same answers).
 */
class PciTestdevTest {
    private static final int DEVFN = 2 << 3;
    private static final long MEM = 0xFEBF_0000L;
    private static final int IO = 0xC000;

    private final BigLock bql = new BigLock();
    private final PciTestMachine m = new PciTestMachine();

    @BeforeEach
    void setUp() {
        bql.lock();
        m.memory.setBigLock(bql);
        m.io.setBigLock(bql);
        m.bus.plug(new PciTestdev(), DEVFN);
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    private void mapBars() {
        m.configWrite(DEVFN, 0x10, MEM, 4);
        m.configWrite(DEVFN, 0x14, IO, 4);
        m.configWrite(DEVFN, 0x04, 3, 2);
    }

    @Test
    void configSpaceAsOnQemu() {
        assertEquals(0x0005_1B36L, m.configRead(DEVFN, 0x00, 4));
        assertEquals(0x00FF_0000L, m.configRead(DEVFN, 0x08, 4), "class 0x00, subclass 0xFF (QEMU: PCI_CLASS_OTHERS)");
        assertEquals(0x1100_1AF4L, m.configRead(DEVFN, 0x2C, 4));
        assertEquals(0, m.configRead(DEVFN, 0x3C, 4), "no interrupt pin");
        assertEquals(0, m.configRead(DEVFN, 0x04, 4));
        m.configWrite(DEVFN, 0x10, 0xFFFF_FFFFL, 4);
        assertEquals(0xFFFF_F000L, m.configRead(DEVFN, 0x10, 4), "BAR0: 4 KiB memory");
        m.configWrite(DEVFN, 0x14, 0xFFFF_FFFFL, 4);
        assertEquals(0xFFFF_FF01L, m.configRead(DEVFN, 0x14, 4), "BAR1: 256 ports");
        m.configWrite(DEVFN, 0x18, 0xFFFF_FFFFL, 4);
        assertEquals(0, m.configRead(DEVFN, 0x18, 4), "no BAR2");
    }

    @Test
    void headersOfTheMemoryTests() {
        mapBars();
        assertEquals(0, m.memory.read(MEM, 4), "no test selected");
        m.memory.write(MEM, 0, 1);
        assertEquals(0x100, m.memory.read(MEM, 4));
        assertEquals(0x800, m.memory.read(MEM + 4, 4));
        assertEquals(0xFA, m.memory.read(MEM + 8, 4));
        assertEquals(0, m.memory.read(MEM + 12, 4));
        assertEquals(0x2D6F_6E2D_6F69_6D6DL, m.memory.read(MEM + 0x10, 8));
        assertEquals(0x0064_6674_6E65_7665L, m.memory.read(MEM + 0x18, 8));
        assertEquals(0, m.memory.read(MEM + 0x20, 8));
        m.memory.write(MEM, 1, 1);
        assertEquals(0x101, m.memory.read(MEM, 4));
        assertEquals(0x801, m.memory.read(MEM + 4, 4));
        assertEquals(0xCE, m.memory.read(MEM + 8, 4));
        assertEquals(0x0000_0064_6674_6E65L, m.memory.read(MEM + 0x20, 8));
        m.memory.write(MEM, 2, 1);
        assertEquals(0x7461_642D_6F69_6D6DL, m.memory.read(MEM + 0x10, 8));
        assertEquals(0x0000_6466_746E_6576L, m.memory.read(MEM + 0x20, 8));
        assertEquals(0x6F69_6D6DL, m.memory.read(MEM + 0x10, 4));
        assertEquals(0x2D6F_696DL, m.memory.read(MEM + 0x11, 4));
        m.memory.write(MEM, 3, 1);
        assertEquals(0, m.memory.read(MEM, 4), "test 3 is not a memory test: deselected");
        assertEquals(0, m.memory.read(MEM + 4, 4));
    }

    @Test
    void headersOfThePortTestsShareTheSelection() {
        mapBars();
        m.io.write(IO, 0, 1);
        assertEquals(0x103, m.io.read(IO, 4));
        assertEquals(0x83, m.io.read(IO + 4, 4));
        assertEquals(0xFA, m.io.read(IO + 8, 4));
        assertEquals(0x7472_6F70L, m.io.read(IO + 0x10, 4));
        assertEquals(0x6E2D_6F69L, m.io.read(IO + 0x14, 4));
        m.io.write(IO, 2, 1);
        assertEquals(0x105, m.io.read(IO, 4));
        assertEquals(0x6D61_7461L, m.io.read(IO + 0x18, 4));
        m.memory.write(MEM, 0, 1);
        assertEquals(0x100, m.io.read(IO, 4), "one selection for both BARs");
    }

    @Test
    void onlyMatchingByteWritesOfTheNoEventfdTestCount() {
        mapBars();
        m.memory.write(MEM, 0, 1);
        m.memory.write(MEM + 0x800, 0xFA, 1);
        m.memory.write(MEM + 0x800, 0x11, 1);
        m.memory.write(MEM + 0x800, 0xFA, 2);
        assertEquals(2, m.memory.read(MEM + 12, 4), "the word write counts through its low byte");
        m.memory.write(MEM, 1, 1);
        m.memory.write(MEM + 0x801, 0x11, 1);
        m.memory.write(MEM + 0x801, 0x11, 4);
        assertEquals(0, m.memory.read(MEM + 12, 4), "wildcard-eventfd: the notifier takes the writes");
        m.memory.write(MEM, 2, 1);
        m.memory.write(MEM + 0x802, 0xFA, 1);
        m.memory.write(MEM + 0x802, 0x11, 1);
        assertEquals(0, m.memory.read(MEM + 12, 4), "datamatch-eventfd");
        m.memory.write(MEM, 0, 1);
        assertEquals(0, m.memory.read(MEM + 12, 4), "selecting clears the count");
        m.io.write(IO, 0, 1);
        m.memory.write(MEM + 0x83, 0xFA, 1);
        m.io.write(IO + 0x83, 0xFA, 1);
        m.io.write(IO + 0x83, 0xFA, 1);
        m.io.write(IO + 0x83, 0x05, 1);
        assertEquals(3, m.io.read(IO + 12, 4), "either BAR reaches the selected test's offset");
        m.io.write(IO + 12, 7, 1);
        assertEquals(3, m.io.read(IO + 12, 4), "the header is read-only");
    }

    @Test
    void resetDeselectsAndUnmaps() {
        mapBars();
        m.memory.write(MEM, 0, 1);
        m.bus.reset();
        m.configWrite(DEVFN, 0x10, MEM, 4);
        m.configWrite(DEVFN, 0x04, 2, 2);
        assertEquals(0, m.memory.read(MEM, 4));
    }
}
