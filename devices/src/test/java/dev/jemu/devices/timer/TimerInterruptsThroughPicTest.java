package dev.jemu.devices.timer;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.IrqLine;
import dev.jemu.core.sync.BigLock;
import dev.jemu.devices.intc.I8259Pair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The PIT and RTC wired to the 8259 pair as on a PC (IRQ 0 and IRQ 8), serviced the way a
 * BIOS interrupt handler does: acknowledge, then EOI (and read register C for the RTC).
 */
class TimerInterruptsThroughPicTest {
    private final BigLock bql = new BigLock();
    private final GuestClock clock = GuestClock.manual();
    private final DeviceTimers timers = new DeviceTimers(clock, bql);
    private final AddressSpace io = AddressSpace.ioPorts();
    private I8259Pair pic;

    @BeforeEach
    void setUp() {
        bql.lock();
        I8259Pair pic = new I8259Pair(bql, level -> { });
        io.root().addSubregion(0x20, pic.masterRegion());
        io.root().addSubregion(0xA0, pic.slaveRegion());
        I8254 pit = new I8254(timers, new IrqLine(pic.input(0)));
        io.root().addSubregion(0x40, pit.region());
        Mc146818Rtc rtc = new Mc146818Rtc(timers, new IrqLine(pic.input(8)), LocalDateTime.parse("2006-06-17T16:01:21"));
        io.root().addSubregion(0x70, rtc.region());
        int[] init = {0x11, 0x08, 0x04, 0x01};
        int[] initSlave = {0x11, 0x70, 0x02, 0x01};
        for (int i = 0; i < 4; i++) {
            io.write(i == 0 ? 0x20 : 0x21, init[i], 1);
            io.write(i == 0 ? 0xA0 : 0xA1, initSlave[i], 1);
        }
        this.pic = pic;
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    @Test
    void pitMode2DeliversOneIrq0PerPeriod() {
        io.write(0x43, 0x34, 1);
        io.write(0x40, 1193 & 0xFF, 1);
        io.write(0x40, 1193 >> 8, 1);
        int ticks = 0;
        while (clock.nowNs() < 10_000_000) {
            timers.step(50_000);
            if (pic.intrLevel()) {
                assertEquals(0x08, pic.acknowledge());
                io.write(0x20, 0x20, 1);
                ticks++;
            }
        }
        assertEquals(1 + 10, ticks,
                "the mode 2 control word raises OUT from its power-on low, then one edge per 1193 pulses (0.99985 ms)");
    }

    @Test
    void rtcPeriodicInterruptArrivesAsIrq8OnTheSlave() {
        io.write(0x70, 0x0B, 1);
        io.write(0x71, 0x42, 1);
        int interrupts = 0;
        while (clock.nowNs() < 100_000_000) {
            timers.step(50_000);
            if (pic.intrLevel()) {
                assertEquals(0x70, pic.acknowledge());
                io.write(0x70, 0x0C, 1);
                io.read(0x71, 1);
                io.write(0xA0, 0x20, 1);
                io.write(0x20, 0x20, 1);
                interrupts++;
            }
        }
        assertEquals(102, interrupts, "1024 Hz for 100 ms: edges at k * 976.5625 us, k = 1..102");
    }
}
