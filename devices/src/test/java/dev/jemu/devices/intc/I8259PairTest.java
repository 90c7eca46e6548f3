package dev.jemu.devices.intc;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.sync.BigLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PC's 8259A pair driven through its ports as BIOSes and Linux program it. Expected
 * behaviour from Intel's 8259A datasheet (ICW/OCW formats, priority, EOI, special mask, poll)
 * and the PIIX3 datasheet (ELCR and its fixed bits).
 */
class I8259PairTest {
    private final BigLock bql = new BigLock();
    private final List<Boolean> intr = new ArrayList<>();
    private final AddressSpace io = AddressSpace.ioPorts();
    private final IrqLine[] irq = new IrqLine[16];
    private I8259Pair pic;

    @BeforeEach
    void setUp() {
        bql.lock();
        pic = new I8259Pair(bql, intr::add);
        io.root().addSubregion(0x20, pic.masterRegion());
        io.root().addSubregion(0xA0, pic.slaveRegion());
        io.root().addSubregion(0x4D0, pic.elcrRegion());
        for (int i = 0; i < 16; i++) {
            if (i != 2) {
                irq[i] = new IrqLine(pic.input(i));
            }
        }
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    private void outb(int port, int value) {
        io.write(port, value, 1);
    }

    private int inb(int port) {
        return (int) io.read(port, 1);
    }

    /** The PC BIOS initialisation: vectors 0x08 and 0x70, slave on IRQ 2, 8086 mode. */
    private void initPc(int icw4) {
        outb(0x20, 0x11);
        outb(0x21, 0x08);
        outb(0x21, 0x04);
        outb(0x21, icw4);
        outb(0xA0, 0x11);
        outb(0xA1, 0x70);
        outb(0xA1, 0x02);
        outb(0xA1, icw4);
    }

    private int masterIsr() {
        outb(0x20, 0x0B);
        return inb(0x20);
    }

    private int slaveIsr() {
        outb(0xA0, 0x0B);
        return inb(0xA0);
    }

    @Test
    void initialisationSetsVectorBaseAndClearsMask() {
        outb(0x21, 0x5A);
        initPc(0x01);
        assertEquals(0x00, inb(0x21), "ICW1 clears the mask");
        outb(0x21, 0xFB);
        assertEquals(0xFB, inb(0x21));
        outb(0x21, 0x00);
        irq[1].raise();
        assertTrue(pic.intrLevel());
        assertEquals(List.of(true), intr);
        assertEquals(0x02, inb(0x20), "IRR is read by default after ICW1");
        assertEquals(0x09, pic.acknowledge());
        assertFalse(pic.intrLevel());
        assertEquals(0x02, masterIsr());
        outb(0x20, 0x0A);
        assertEquals(0x00, inb(0x20), "the edge request is cleared by the acknowledge");
    }

    @Test
    void maskedRequestWaitsInIrrUntilUnmasked() {
        initPc(0x01);
        outb(0x21, 0x10);
        irq[4].pulse();
        assertFalse(pic.intrLevel());
        assertEquals(0x10, inb(0x20));
        outb(0x21, 0x00);
        assertTrue(pic.intrLevel());
        assertEquals(0x0C, pic.acknowledge());
    }

    @Test
    void edgeTriggeredInputNeedsANewRisingEdge() {
        initPc(0x01);
        irq[3].raise();
        assertEquals(0x0B, pic.acknowledge());
        outb(0x20, 0x20);
        assertFalse(pic.intrLevel(), "a line that stays high does not interrupt again");
        irq[3].lower();
        irq[3].raise();
        assertTrue(pic.intrLevel());
        assertEquals(0x0B, pic.acknowledge());
    }

    @Test
    void elcrLevelInputInterruptsAgainAfterEoiWhileStillHigh() {
        initPc(0x01);
        outb(0x4D1, 0x08);
        irq[11].raise();
        assertTrue(pic.intrLevel());
        assertEquals(0x73, pic.acknowledge());
        assertFalse(pic.intrLevel());
        outb(0xA0, 0x20);
        outb(0x20, 0x20);
        assertTrue(pic.intrLevel(), "the level line is still high");
        assertEquals(0x73, pic.acknowledge());
        irq[11].lower();
        outb(0xA0, 0x20);
        outb(0x20, 0x20);
        assertFalse(pic.intrLevel());
    }

    @Test
    void elcrKeepsIrq0128And13EdgeTriggered() {
        outb(0x4D0, 0xFF);
        outb(0x4D1, 0xFF);
        assertEquals(0xF8, inb(0x4D0));
        assertEquals(0xDE, inb(0x4D1));
        assertEquals(0xDEF8, io.read(0x4D0, 2));
    }

    @Test
    void ltimInIcw1MakesEveryInputLevelTriggered() {
        outb(0x20, 0x19);
        outb(0x21, 0x20);
        outb(0x21, 0x04);
        outb(0x21, 0x01);
        irq[5].raise();
        assertEquals(0x25, pic.acknowledge());
        outb(0x20, 0x20);
        assertTrue(pic.intrLevel());
        irq[5].lower();
        assertFalse(pic.intrLevel());
    }

    @Test
    void levelRequestWithdrawnBeforeAcknowledgeGivesSpuriousIrq7() {
        initPc(0x01);
        outb(0x4D0, 0x20);
        irq[5].raise();
        assertTrue(pic.intrLevel());
        irq[5].lower();
        assertFalse(pic.intrLevel());
        assertEquals(0x0F, pic.acknowledge());
        assertEquals(0x00, masterIsr(), "a spurious IRQ 7 is not put in service");
    }

    @Test
    void slaveRequestWithdrawnBeforeAcknowledgeGivesSpuriousIrq15WithCascadeInService() {
        initPc(0x01);
        outb(0x4D1, 0x04);
        irq[10].raise();
        irq[10].lower();
        assertTrue(pic.intrLevel(), "the master latched the cascade edge");
        assertEquals(0x77, pic.acknowledge());
        assertEquals(0x04, masterIsr());
        assertEquals(0x00, slaveIsr());
    }

    @Test
    void slaveInterruptIsDeliveredThroughTheCascade() {
        initPc(0x01);
        irq[12].raise();
        assertTrue(pic.intrLevel());
        assertEquals(0x74, pic.acknowledge());
        assertEquals(0x04, masterIsr());
        assertEquals(0x10, slaveIsr());
        irq[14].pulse();
        assertFalse(pic.intrLevel(), "IRQ 14 has lower priority than IRQ 12 in service");
        outb(0xA0, 0x20);
        assertFalse(pic.intrLevel(), "the master still has the cascade in service");
        outb(0x20, 0x20);
        assertTrue(pic.intrLevel());
        assertEquals(0x76, pic.acknowledge());
    }

    @Test
    void higherPriorityRequestNestsAndNonSpecificEoiEndsTheHighest() {
        initPc(0x01);
        irq[3].raise();
        assertEquals(0x0B, pic.acknowledge());
        irq[5].raise();
        assertFalse(pic.intrLevel(), "IRQ 5 waits behind IRQ 3");
        irq[1].raise();
        assertTrue(pic.intrLevel());
        assertEquals(0x09, pic.acknowledge());
        assertEquals(0x0A, masterIsr());
        outb(0x20, 0x20);
        assertEquals(0x08, masterIsr());
        assertFalse(pic.intrLevel());
        outb(0x20, 0x63);
        assertEquals(0x00, masterIsr());
        assertTrue(pic.intrLevel());
        assertEquals(0x0D, pic.acknowledge());
    }

    @Test
    void automaticEoiLeavesNothingInService() {
        initPc(0x03);
        irq[3].raise();
        assertEquals(0x0B, pic.acknowledge());
        assertEquals(0x00, masterIsr());
        irq[4].raise();
        assertTrue(pic.intrLevel(), "nothing in service blocks IRQ 4");
        assertEquals(0x0C, pic.acknowledge());
    }

    @Test
    void rotateOnNonSpecificEoiMakesTheServedInputLowest() {
        initPc(0x01);
        outb(0x21, 0x00);
        irq[4].raise();
        assertEquals(0x0C, pic.acknowledge());
        irq[6].raise();
        irq[1].raise();
        outb(0x20, 0xA0);
        assertEquals(0x00, masterIsr());
        assertEquals(0x0E, pic.acknowledge(), "after rotation IRQ 5 is highest, so 6 beats 1");
        outb(0x20, 0x20);
        assertEquals(0x09, pic.acknowledge());
    }

    @Test
    void setPriorityCommandChoosesTheLowestInput() {
        initPc(0x01);
        outb(0x20, 0xC5);
        irq[3].raise();
        irq[7].raise();
        assertEquals(0x0F, pic.acknowledge(), "IRQ 6 is highest, then 7, 0, 1 ... 5");
        assertEquals(0x80, masterIsr());
        outb(0x20, 0xE7);
        assertEquals(0x00, masterIsr(), "rotate on specific EOI ends IRQ 7");
        assertEquals(0x0B, pic.acknowledge());
    }

    @Test
    void rotationInAutomaticEoiModeServesInputsRoundRobin() {
        initPc(0x03);
        outb(0x20, 0x80);
        irq[0].raise();
        irq[1].raise();
        assertEquals(0x08, pic.acknowledge());
        irq[0].lower();
        irq[0].raise();
        assertEquals(0x09, pic.acknowledge(), "IRQ 0 became lowest after its acknowledge");
        assertEquals(0x08, pic.acknowledge());
        outb(0x20, 0x00);
        irq[0].lower();
        irq[0].raise();
        irq[3].raise();
        assertEquals(0x0B, pic.acknowledge(), "rotation stopped with IRQ 0 lowest: 1 is highest");
        assertEquals(0x08, pic.acknowledge());
    }

    @Test
    void specialMaskModeLetsLowerPrioritiesInterruptTheMaskedLevel() {
        initPc(0x01);
        irq[3].raise();
        assertEquals(0x0B, pic.acknowledge());
        irq[5].raise();
        assertFalse(pic.intrLevel());
        outb(0x21, 0x08);
        outb(0x20, 0x68);
        assertTrue(pic.intrLevel());
        assertEquals(0x0D, pic.acknowledge());
        assertEquals(0x28, masterIsr());
        outb(0x20, 0x65);
        outb(0x20, 0x48);
        outb(0x21, 0x00);
        irq[6].raise();
        assertFalse(pic.intrLevel(), "normal mask mode again: IRQ 3 in service blocks 6");
    }

    @Test
    void specialFullyNestedModeLetsAHigherSlaveInputInterruptAnotherSlaveInput() {
        outb(0x20, 0x11);
        outb(0x21, 0x08);
        outb(0x21, 0x04);
        outb(0x21, 0x11);
        outb(0xA0, 0x11);
        outb(0xA1, 0x70);
        outb(0xA1, 0x02);
        outb(0xA1, 0x01);
        irq[12].raise();
        assertEquals(0x74, pic.acknowledge());
        irq[9].raise();
        assertTrue(pic.intrLevel(), "the cascade in service does not block the slave's higher request");
        assertEquals(0x71, pic.acknowledge());
    }

    @Test
    void pollCommandReturnsAndAcknowledgesTheHighestRequest() {
        initPc(0x01);
        outb(0x20, 0x0C);
        assertEquals(0x00, inb(0x20), "no request: poll word 0");
        irq[6].raise();
        irq[4].raise();
        outb(0x20, 0x0C);
        assertEquals(0x84, inb(0x20));
        assertEquals(0x10, masterIsr());
        outb(0x20, 0x0A);
        assertEquals(0x40, inb(0x20), "IRQ 6 still requests; IRQ 4 left IRR when polled");
        outb(0x20, 0x20);
        outb(0x20, 0x0C);
        assertEquals(0x86, inb(0x20));
    }

    @Test
    void pollOfTheMasterReportsTheCascadeThenTheSlaveIsPolled() {
        initPc(0x01);
        irq[9].raise();
        outb(0x20, 0x0C);
        assertEquals(0x82, inb(0x20));
        outb(0xA0, 0x0C);
        assertEquals(0x81, inb(0xA0));
        assertEquals(0x02, slaveIsr());
    }

    @Test
    void resetClearsProgrammingAndInService() {
        initPc(0x01);
        outb(0x4D0, 0x20);
        outb(0x21, 0x0F);
        irq[4].raise();
        pic.acknowledge();
        pic.reset();
        assertEquals(0x00, inb(0x21));
        assertEquals(0x00, inb(0x4D0));
        assertEquals(0x00, masterIsr());
        assertFalse(pic.intrLevel());
    }

    @Test
    void inputsAndAcknowledgeRequireTheBigLock() {
        bql.unlock();
        try {
            assertThrows(IllegalStateException.class, () -> irq[3].raise());
            assertThrows(IllegalStateException.class, pic::acknowledge);
        } finally {
            bql.lock();
        }
        assertThrows(IllegalArgumentException.class, () -> pic.input(16));
        assertThrows(IllegalArgumentException.class, () -> pic.input(2), "IRQ 2 is the cascade");
    }
}
