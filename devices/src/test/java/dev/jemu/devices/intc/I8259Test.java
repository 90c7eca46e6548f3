package dev.jemu.devices.intc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One 8259A on its own: the initialisation sequences that skip ICW3 and ICW4 (8259A datasheet, figure "Initialization Sequence"). */
class I8259Test {
    private final List<Boolean> intOut = new ArrayList<>();
    private final I8259 chip = new I8259("test", intOut::add, 0xFF, true);

    @Test
    void singleModeSkipsIcw3() {
        chip.write(0, 0x13);
        chip.write(1, 0x40);
        chip.write(1, 0x01);
        chip.write(1, 0xFE);
        assertEquals(0xFE, chip.read(1), "the fourth byte is OCW1, not ICW3");
        chip.setInput(1, true);
        assertFalse(chip.intLevel(), "IRQ 1 is masked");
        chip.setInput(0, true);
        assertTrue(chip.intLevel());
        assertEquals(List.of(true), intOut);
        assertEquals(0x40, chip.acknowledge(chip.highestRequest()));
        assertFalse(chip.intLevel());
    }

    @Test
    void withoutIc4TheSequenceEndsAfterIcw3AndIcw4FunctionsAreOff() {
        chip.write(0, 0x10);
        chip.write(1, 0x20);
        chip.write(1, 0x04);
        chip.write(1, 0x03);
        assertEquals(0x03, chip.read(1), "the third byte is OCW1");
        chip.write(1, 0x00);
        chip.setInput(2, true);
        assertEquals(0x22, chip.acknowledge(chip.highestRequest()));
        chip.write(0, 0x0B);
        assertEquals(0x04, chip.read(0), "no automatic EOI without ICW4");
    }

    @Test
    void elcrDropsBitsThatMustStayEdgeTriggered() {
        I8259 slave = new I8259("slave", level -> { }, I8259Pair.ELCR2_WRITABLE, false);
        slave.setElcr(0xFF);
        assertEquals(0xDE, slave.elcr());
    }
}
