package dev.jemu.core.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RamBlockTest {
    @Test
    void writesToCodePagesBumpTheirGenerationOnly() {
        RamBlock b = new RamBlock(0x3000);
        b.write(0x1000, 1, 1);
        assertEquals(0, b.generation(0x1000));
        b.markCode(0x1000);
        assertTrue(b.isCode(0x1FFF));
        assertFalse(b.isCode(0x2000));
        b.write(0x1004, 1, 4);
        b.writeBytes(0xFFF, new byte[] {1, 2}, 0, 2);
        assertEquals(2, b.generation(0x1000));
        assertEquals(0, b.generation(0x0));
    }

    @Test
    void markingCodeTellsListenersOnce() {
        RamBlock b = new RamBlock(0x2000);
        int[] told = {0};
        b.addCodeListener(() -> told[0]++);
        b.markCode(0x10);
        b.markCode(0x20);
        assertEquals(1, told[0]);
    }

    @Test
    void rejectsSizeThatIsNotWholePages() {
        assertThrows(IllegalArgumentException.class, () -> new RamBlock(100));
    }

    @Test
    void irqLineTellsSinkOfLevelChangesOnly() {
        StringBuilder seen = new StringBuilder();
        IrqLine line = new IrqLine(level -> seen.append(level ? '1' : '0'));
        line.raise();
        line.raise();
        line.lower();
        line.pulse();
        assertEquals("1010", seen.toString());
        assertFalse(line.isRaised());
    }
}
