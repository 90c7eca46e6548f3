package dev.jemu.devices.timer;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 8254 and port 0x61 driven through their ports. Expected counts and OUT waveforms
 * follow the Intel 8254 datasheet's mode descriptions, with CLK pulse k after a load at
 * guest time ceil(k · 10⁹ / 1193182) ns; the load itself is the write.
 */
class I8254Test {
    private final BigLock bql = new BigLock();
    private final GuestClock clock = GuestClock.manual();
    private final DeviceTimers timers = new DeviceTimers(clock, bql);
    private final AddressSpace io = AddressSpace.ioPorts();
    /** IRQ 0 level changes as {time, level}. */
    private final List<long[]> irq0 = new ArrayList<>();
    private I8254 pit;

    @BeforeEach
    void setUp() {
        bql.lock();
        pit = new I8254(timers, new IrqLine(level -> irq0.add(new long[] {clock.nowNs(), level ? 1 : 0})));
        Port61 port61 = new Port61(pit, clock);
        io.root().addSubregion(0x40, pit.region());
        io.root().addSubregion(0x61, port61.region());
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    /** Guest time of CLK pulse {@code k} after a load at time 0 (datasheet clock, independent arithmetic). */
    private static long pulseNs(long k) {
        return (long) Math.ceil(k * 1e9 / 1_193_182.0);
    }

    private void outb(int port, int value) {
        io.write(port, value, 1);
    }

    private int inb(int port) {
        return (int) io.read(port, 1);
    }

    private void stepTo(long ns) {
        timers.step(ns - clock.nowNs());
    }

    private void writeCount(int port, int count) {
        outb(port, count & 0xFF);
        outb(port, count >> 8);
    }

    /** Latches counter {@code channel} and reads the 16-bit latched count (LSB then MSB). */
    private int latchedCount(int channel) {
        outb(0x43, channel << 6);
        int lo = inb(0x40 + channel);
        return lo | inb(0x40 + channel) << 8;
    }

    private int risingEdges() {
        int n = 0;
        for (long[] e : irq0) {
            if (e[1] == 1) {
                n++;
            }
        }
        return n;
    }

    private boolean out2() {
        return (inb(0x61) & 0x20) != 0;
    }

    @Test
    void mode0RaisesIrq0AtTerminalCountAndKeepsCounting() {
        outb(0x43, 0x30);
        writeCount(0x40, 1000);
        assertTrue(irq0.isEmpty(), "OUT is low in mode 0");
        stepTo(500_000);
        assertEquals(1000 - 596, latchedCount(0), "596 pulses in 500 µs");
        stepTo(pulseNs(1000) - 1);
        assertTrue(irq0.isEmpty());
        stepTo(pulseNs(1000));
        assertEquals(1, irq0.size());
        assertEquals(pulseNs(1000), irq0.get(0)[0]);
        assertEquals(1, irq0.get(0)[1]);
        stepTo(pulseNs(1001));
        assertEquals(0xFFFF, latchedCount(0), "the counter wraps and OUT stays high");
        stepTo(pulseNs(70_000));
        assertEquals(1, irq0.size());
    }

    @Test
    void mode0NewCountLowersOutAndFirstByteStopsCounting() {
        outb(0x43, 0x30);
        writeCount(0x40, 100);
        stepTo(pulseNs(100));
        assertEquals(1, irq0.size());
        outb(0x40, 0x20);
        assertEquals(0, irq0.get(1)[1], "writing the first byte sets OUT low");
        int held = latchedCount(0);
        stepTo(pulseNs(300));
        assertEquals(held, latchedCount(0), "counting is disabled until the second byte");
        outb(0x40, 0x00);
        long load = clock.nowNs();
        timers.step(pulseNs(0x20) - 1);
        assertEquals(2, irq0.size());
        timers.step(1);
        assertEquals(3, irq0.size());
        assertEquals(load + pulseNs(0x20), irq0.get(2)[0]);
    }

    @Test
    void mode2InterruptsOncePerPeriodWithOneTimerPerEdge() {
        outb(0x43, 0x34);
        assertEquals(1, risingEdges(), "OUT goes high on the control word");
        writeCount(0x40, 100);
        assertEquals(pulseNs(100), timers.nextDeadlineNs(), "the next deadline is the next edge, not the next pulse");
        stepTo(pulseNs(99));
        assertEquals(1, latchedCount(0));
        outb(0x43, 0xE2);
        assertEquals(0, inb(0x40) & 0x80, "OUT is low while the count is 1");
        stepTo(pulseNs(100));
        assertEquals(100, latchedCount(0), "reloaded");
        assertEquals(2, risingEdges());
        stepTo(1_000_000);
        assertEquals(1 + 11, risingEdges(), "1193 pulses in 1 ms: edges at 100, 200 ... 1100");
        assertEquals(pulseNs(1200), timers.nextDeadlineNs());
    }

    @Test
    void mode2NewCountTakesEffectAtTheEndOfTheCurrentCycle() {
        outb(0x43, 0x34);
        writeCount(0x40, 1000);
        stepTo(pulseNs(400));
        writeCount(0x40, 200);
        stepTo(pulseNs(999));
        assertEquals(1, latchedCount(0), "the old cycle finishes");
        stepTo(pulseNs(1000));
        assertEquals(200, latchedCount(0));
        stepTo(pulseNs(1200));
        assertEquals(1 + 2, risingEdges(), "edges at 1000 and 1200");
    }

    @Test
    void mode3SquareWaveOnCounter2IsHighForHalfTheCount() {
        outb(0x61, 0x01);
        outb(0x43, 0xB6);
        long load = clock.nowNs();
        writeCount(0x42, 1000);
        assertTrue(out2());
        stepTo(load + pulseNs(499));
        assertTrue(out2());
        outb(0x43, 0x80);
        int count = inb(0x42) | inb(0x42) << 8;
        assertEquals(2, count, "counts down by two: 1000, 998 ... 2");
        stepTo(load + pulseNs(500));
        assertFalse(out2());
        stepTo(load + pulseNs(999));
        assertFalse(out2());
        stepTo(load + pulseNs(1000));
        assertTrue(out2());
    }

    @Test
    void mode3OddCountIsHighOnePulseLongerThanLow() {
        outb(0x43, 0x36);
        writeCount(0x40, 5);
        stepTo(pulseNs(2));
        outb(0x43, 0xE2);
        assertEquals(0x80, inb(0x40) & 0x80, "high for (5+1)/2 = 3 pulses");
        stepTo(pulseNs(3));
        outb(0x43, 0xE2);
        assertEquals(0, inb(0x40) & 0x80, "low for (5-1)/2 = 2 pulses");
        stepTo(pulseNs(5));
        outb(0x43, 0xE2);
        assertEquals(0x80, inb(0x40) & 0x80);
        assertEquals(1 + 1, risingEdges());
    }

    @Test
    void mode3RaisesIrq0OncePerPeriod() {
        outb(0x43, 0x36);
        writeCount(0x40, 0);
        stepTo(pulseNs(65536L * 18) + 1);
        assertEquals(1 + 18, risingEdges(), "18.2 Hz: 18 periods of 65536 pulses");
    }

    @Test
    void mode1OneShotStartsOnGateRisingEdge() {
        outb(0x43, 0xB2);
        writeCount(0x42, 100);
        assertTrue(out2(), "OUT high until triggered");
        stepTo(pulseNs(500));
        assertTrue(out2());
        outb(0x61, 0x01);
        long trigger = clock.nowNs();
        assertFalse(out2(), "the trigger sets OUT low");
        stepTo(trigger + pulseNs(99));
        assertFalse(out2());
        stepTo(trigger + pulseNs(100));
        assertTrue(out2());
        outb(0x61, 0x00);
        outb(0x61, 0x01);
        assertFalse(out2(), "retriggerable");
    }

    @Test
    void mode4StrobesIrq0OnePulseAfterTerminalCount() {
        outb(0x43, 0x38);
        writeCount(0x40, 50);
        assertEquals(1, risingEdges());
        stepTo(pulseNs(50));
        outb(0x43, 0xE2);
        assertEquals(0, inb(0x40) & 0x80, "OUT low for one pulse at terminal count");
        stepTo(pulseNs(51));
        assertEquals(2, risingEdges());
        assertEquals(pulseNs(51), irq0.get(irq0.size() - 1)[0]);
        stepTo(pulseNs(200_000));
        assertEquals(2, risingEdges(), "one strobe per count written");
    }

    @Test
    void mode5StrobesAfterAGateTrigger() {
        outb(0x43, 0xBA);
        writeCount(0x42, 10);
        stepTo(pulseNs(100));
        assertTrue(out2(), "nothing happens without a trigger");
        outb(0x61, 0x01);
        long trigger = clock.nowNs();
        stepTo(trigger + pulseNs(10));
        assertFalse(out2());
        stepTo(trigger + pulseNs(11));
        assertTrue(out2());
    }

    @Test
    void gateLowSuspendsMode0Counting() {
        outb(0x43, 0xB0);
        writeCount(0x42, 1000);
        stepTo(100_000);
        outb(0x43, 0x80);
        assertEquals(1000, inb(0x42) | inb(0x42) << 8, "GATE 2 is low: no counting");
        outb(0x61, 0x01);
        long start = clock.nowNs();
        stepTo(start + pulseNs(300));
        outb(0x61, 0x00);
        stepTo(start + 5_000_000);
        outb(0x43, 0x80);
        assertEquals(700, inb(0x42) | inb(0x42) << 8);
        assertFalse(out2());
    }

    @Test
    void gateLowInMode2HoldsOutHighAndTheRisingGateReloads() {
        outb(0x61, 0x01);
        outb(0x43, 0xB4);
        writeCount(0x42, 100);
        stepTo(pulseNs(99));
        assertFalse(out2(), "count 1: OUT low");
        outb(0x61, 0x00);
        assertTrue(out2(), "GATE low forces OUT high");
        stepTo(pulseNs(500));
        outb(0x43, 0x80);
        assertEquals(1, inb(0x42) | inb(0x42) << 8, "counting stopped");
        outb(0x61, 0x01);
        long reload = clock.nowNs();
        outb(0x43, 0x80);
        assertEquals(100, inb(0x42) | inb(0x42) << 8, "the rising GATE reloads the initial count");
        stepTo(reload + pulseNs(98));
        assertTrue(out2());
        stepTo(reload + pulseNs(99));
        assertFalse(out2());
        stepTo(reload + pulseNs(100));
        assertTrue(out2());
    }

    @Test
    void bcdCountsInDecimalAndZeroMeansTenThousand() {
        outb(0x43, 0x31);
        writeCount(0x40, 0x1000);
        stepTo(500_000);
        assertEquals(0x0404, latchedCount(0), "1000 - 596 in BCD");
        outb(0x43, 0x31);
        long load = clock.nowNs();
        writeCount(0x40, 0x0000);
        stepTo(load + pulseNs(1));
        assertEquals(0x9999, latchedCount(0));
        stepTo(load + pulseNs(10_000) - 1);
        int before = risingEdges();
        stepTo(load + pulseNs(10_000));
        assertEquals(before + 1, risingEdges());
    }

    @Test
    void lsbOnlyAndMsbOnlyAccess() {
        outb(0x43, 0x10);
        outb(0x40, 0x80);
        stepTo(pulseNs(0x80));
        assertEquals(1, risingEdges(), "an LSB-only write is the whole count");
        outb(0x43, 0x20);
        long load = clock.nowNs();
        outb(0x40, 0x02);
        stepTo(load + pulseNs(0x100));
        assertEquals(0x01, inb(0x40), "MSB-only reads return the high byte of 0x100");
    }

    @Test
    void latchedCountIsHeldUntilReadThenReadsAreLive() {
        outb(0x43, 0x30);
        writeCount(0x40, 50_000);
        stepTo(pulseNs(1000));
        outb(0x43, 0x00);
        outb(0x43, 0x00);
        stepTo(pulseNs(3000));
        int lo = inb(0x40);
        stepTo(pulseNs(4000));
        assertEquals(49_000, lo | inb(0x40) << 8, "a second latch command is ignored");
        assertEquals(46_000, inb(0x40) | inb(0x40) << 8);
    }

    @Test
    void readBackReturnsStatusThenCount() {
        outb(0x43, 0x34);
        outb(0x43, 0xE2);
        assertEquals(0xF4, inb(0x40), "OUT high, null count, LSB/MSB, mode 2, binary");
        writeCount(0x40, 0x1234);
        stepTo(pulseNs(0x34));
        outb(0x43, 0xC2);
        assertEquals(0xB4, inb(0x40), "the count is loaded: null count clear");
        assertEquals(0x00, inb(0x40));
        assertEquals(0x12, inb(0x40));
        outb(0x43, 0xDE);
        outb(0x43, 0xE8);
        stepTo(pulseNs(0x100));
        assertEquals(0x00, inb(0x40), "counts of all three latched at 0x1200");
        assertEquals(0x12, inb(0x40));
        assertEquals(0x70, inb(0x42), "counter 2's status first: OUT low, null count, LSB/MSB, mode 0");
        assertEquals(0x00, inb(0x42));
    }

    @Test
    void port61ReportsGateSpeakerRefreshAndOut2() {
        assertEquals(0x00, inb(0x61));
        outb(0x61, 0xFF);
        assertEquals(0x0F, inb(0x61) & 0xCF, "bits 0-3 read back, 6-7 read 0");
        assertTrue(pit.gate(2));
        outb(0x61, 0x02);
        assertFalse(pit.gate(2));
        stepTo(pulseNs(17));
        assertEquals(0, inb(0x61) & 0x10);
        stepTo(pulseNs(18));
        assertEquals(0x10, inb(0x61) & 0x10, "the refresh toggle flips every 18 PIT clocks");
        stepTo(pulseNs(36));
        assertEquals(0, inb(0x61) & 0x10);
    }

    @Test
    void resetDisarmsTheTimerAndLowersIrq0() {
        outb(0x43, 0x34);
        writeCount(0x40, 100);
        pit.reset();
        assertEquals(Long.MAX_VALUE, timers.nextDeadlineNs());
        assertEquals(0, irq0.get(irq0.size() - 1)[1]);
        assertFalse(pit.output(0));
    }
}
