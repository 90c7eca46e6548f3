package dev.jemu.devices.testdev;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.IrqLine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * pc-testdev through its ports and memory window. Every expected value was read from QEMU 7.2
 * ({@code -device pc-testdev} driven with {@code -qtest}, IRQs observed with
 * {@code irq_intercept_in}).
 */
class PcTestdevTest {
    private final AddressSpace io = AddressSpace.ioPorts();
    private final AddressSpace memory = new AddressSpace("memory", new ContainerRegion("system", 1L << 32));
    private final List<String> irqs = new ArrayList<>();
    private PcTestdev dev;

    @BeforeEach
    void setUp() {
        dev = new PcTestdev(n -> new IrqLine(level -> irqs.add((level ? "raise " : "lower ") + n)));
        io.root().addSubregion(0xE0, dev.ioportRegion());
        io.root().addSubregion(0xE4, dev.flushPageRegion());
        io.root().addSubregion(0x2000, dev.irqRegion());
        memory.root().addSubregion(0xFF00_0000L, dev.iomemRegion());
    }

    @Test
    void scratchRegisterKeepsEveryWidthAtEveryByte() {
        io.write(0xE0, 0x1122_3344L, 4);
        assertEquals(0x33, io.read(0xE1, 1));
        assertEquals(0x1122, io.read(0xE2, 2));
        io.write(0xE3, 0x99, 1);
        assertEquals(0x9922_3344L, io.read(0xE0, 4));
    }

    @Test
    void flushPageReadsZero() {
        io.write(0xE4, 0x1000, 4);
        assertEquals(0, io.read(0xE4, 4));
    }

    @Test
    void irqPortsSetIsaLines() {
        io.write(0x2005, 1, 1);
        io.write(0x2005, 0, 1);
        io.write(0x2001, 7, 1);
        assertEquals(List.of("raise 5", "lower 5", "raise 1"), irqs);
        assertEquals(0, io.read(0x2005, 1));
    }

    @Test
    void ioApicLinesAreDroppedNotFatal() {
        io.write(0x2010, 1, 1);
        io.write(0x2017, 1, 1);
        assertEquals(List.of(), irqs);
    }

    @Test
    void memoryWindowIs64KiBOfStorage() {
        memory.write(0xFF00_8000L, 0x1234_5678L, 4);
        assertEquals(0x1234_5678L, memory.read(0xFF00_8000L, 4));
        memory.write(0xFF00_FFFCL, 0xAABB_CCDDL, 4);
        assertEquals(0xAABB_CCDDL, memory.read(0xFF00_FFFCL, 4));
        memory.write(0xFF00_0FFCL, 0x1122_3344_5566_7788L, 8);
        assertEquals(0x1122_3344_5566_7788L, memory.read(0xFF00_0FFCL, 8));
        assertEquals(0x55, memory.read(0xFF00_0FFFL, 1));
    }
}
