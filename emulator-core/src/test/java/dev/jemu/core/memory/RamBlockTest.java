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
        b.addCodeListener(off -> told[0]++);
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

    @Test
    void aSixteenGibibyteBlockCommitsOnlyTheChunksItsGuestTouches() {
        RamBlock b = new RamBlock(16L << 30);
        assertEquals(0, b.allocatedBytes(), "nothing is allocated before the guest touches memory");
        assertEquals(0, b.read(0x1234_5678L, 4), "untouched RAM reads as zeros");
        b.write(0x3_0000_0000L, 0x1122_3344_5566_7788L, 8);
        assertEquals(0x1122_3344_5566_7788L, b.read(0x3_0000_0000L, 8));
        assertEquals(2L << 21, b.allocatedBytes(), "two 2 MiB chunks: the one read and the one written");
        byte[] span = new byte[8192];
        b.writeBytes((1L << 21) - 4096, span, 0, span.length);
        assertEquals(4L << 21, b.allocatedBytes(), "a copy across a chunk boundary allocates both chunks");
    }
}
