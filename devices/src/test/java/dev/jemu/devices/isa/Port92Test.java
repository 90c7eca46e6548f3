package dev.jemu.devices.isa;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.IrqLine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Port 0x92 as QEMU's port92: fast A20 on bit 1, reset on a rising bit 0, read back. */
class Port92Test {
    private final AddressSpace io = AddressSpace.ioPorts();
    private final IrqLine a20 = new IrqLine(level -> { });
    private int resets;
    private final Port92 port = new Port92(a20, () -> resets++);

    Port92Test() {
        io.root().addSubregion(Port92.PORT, port.region());
    }

    @Test
    void fastA20FollowsBit1AndReadsBack() {
        assertEquals(0, io.read(0x92, 1));
        io.write(0x92, 0x02, 1);
        assertTrue(a20.isRaised());
        assertEquals(0x02, io.read(0x92, 1), "what SeaBIOS reads after enabling A20 (also on QEMU)");
        io.write(0x92, 0x00, 1);
        assertFalse(a20.isRaised());
        assertEquals(0, resets);
    }

    @Test
    void risingBit0ResetsOnceUntilTheMachineResetClearsIt() {
        io.write(0x92, 0x03, 1);
        assertEquals(1, resets);
        io.write(0x92, 0x03, 1);
        assertEquals(1, resets, "bit 0 already set: no new reset");
        port.reset();
        assertEquals(0x02, io.read(0x92, 1));
        io.write(0x92, 0x03, 1);
        assertEquals(2, resets);
    }
}
