package dev.jemu.devices.debugexit;

import dev.jemu.core.memory.AddressSpace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IsaDebugExitTest {
    @Test
    void writeEndsWithValueShiftedLeftOrOne() {
        int[] status = {-1};
        AddressSpace io = AddressSpace.ioPorts();
        io.root().addSubregion(0xF4, new IsaDebugExit(4, s -> status[0] = s).region());
        io.write(0xF4, 0x10, 4);
        assertEquals(0x21, status[0]);
        io.write(0xF4, 0, 1);
        assertEquals(1, status[0]);
        assertEquals(0, io.read(0xF4, 4));
    }

    @Test
    void rejectsWidthOtherThanOneTwoOrFour() {
        assertThrows(IllegalArgumentException.class, () -> new IsaDebugExit(3, s -> { }));
    }
}
