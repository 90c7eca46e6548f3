package dev.jemu.devices.timer;

import dev.jemu.core.machine.DeviceTimers;
import dev.jemu.core.machine.GuestClock;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
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
 * The HPET driven through its registers as Linux's arch/x86/kernel/hpet.c programs it, on a
 * manual clock. Expected values from the IA-PC HPET specification 1.0a (register layout,
 * comparator match, periodic accumulation, level status, legacy replacement routes) and QEMU
 * 7.2's pc machine (capabilities 0x8086A201, 100 MHz, route capability 0x00FF0104).
 */
class HpetTest {
    private static final long BASE = 0xFED0_0000L;

    private final BigLock bql = new BigLock();
    private final GuestClock clock = GuestClock.manual();
    private final DeviceTimers timers = new DeviceTimers(clock, bql);
    private final AddressSpace memory = new AddressSpace("memory", new ContainerRegion("system", 1L << 32));
    private final List<String> events = new ArrayList<>();
    private final IrqLine[] pins = new IrqLine[24];
    private boolean legacy;
    private IrqLine irq0;
    private IrqLine irq8;

    @BeforeEach
    void setUp() {
        bql.lock();
        for (int i = 0; i < pins.length; i++) {
            int pin = i;
            pins[i] = new IrqLine(l -> events.add("pin" + pin + (l ? "+" : "-")));
        }
        irq0 = new IrqLine(l -> events.add("irq0" + (l ? "+" : "-")));
        irq8 = new IrqLine(l -> events.add("irq8" + (l ? "+" : "-")));
        Hpet hpet = new Hpet(timers, pin -> pins[pin], irq0, irq8, on -> legacy = on);
        memory.root().addSubregion(Hpet.DEFAULT_BASE, hpet.region());
    }

    @AfterEach
    void tearDown() {
        bql.unlock();
    }

    private long read(int reg) {
        return memory.read(BASE + reg, 4);
    }

    private void write(int reg, long value) {
        memory.write(BASE + reg, value & 0xFFFF_FFFFL, 4);
    }

    private void step(long ns) {
        timers.step(ns);
    }

    @Test
    void capabilitiesAsQemu() {
        assertEquals(0x8086_A201L, read(0x000), "vendor 8086, legacy capable, 64-bit, 3 timers, revision 1");
        assertEquals(10_000_000L, read(0x004), "period 10 ns in femtoseconds");
        assertEquals(0x30, read(0x100) & 0x30, "timer 0: periodic and 64-bit capable");
        assertEquals(0x00FF_0104L, read(0x104), "routes to IO-APIC pins 2, 8 and 16-23");
    }

    @Test
    void counterRunsAt100MhzOnlyWhileEnabled() {
        step(1_000);
        assertEquals(0, read(0x0F0), "halted at reset");
        write(0x010, 1);
        step(1_000);
        assertEquals(100, read(0x0F0), "1 us at 100 MHz");
        write(0x010, 0);
        step(5_000);
        assertEquals(100, read(0x0F0), "halted again");
        write(0x0F0, 7);
        assertEquals(7, read(0x0F0), "writable while halted");
    }

    @Test
    void oneShotComparatorInterruptsWhenTheCounterReachesIt() {
        write(0x100, (16 << 9) | 0x4);
        write(0x108, 500);
        write(0x10C, 0);
        write(0x010, 1);
        step(4_990);
        assertTrue(events.isEmpty(), "counter at 499");
        step(10);
        assertEquals(List.of("pin16+", "pin16-"), events, "edge: a pulse on the routed pin");
        events.clear();
        step(100_000);
        assertTrue(events.isEmpty(), "one-shot: once");
    }

    @Test
    void periodicTimerAsLinuxSetsItUp() {
        // hpet_set_periodic: ENABLE | PERIODIC | SETVAL | 32BIT, comparator = now + delta, then the period
        write(0x010, 1);
        write(0x100, (16 << 9) | 0x4 | 0x8 | 0x40 | 0x100);
        long now = read(0x0F0);
        write(0x108, now + 1000);
        write(0x108, 1000);
        step(10_000);
        assertEquals(2, events.size(), "first period: " + events);
        step(10_000);
        step(10_000);
        assertEquals(6, events.size(), "three periods of 1000 ticks: " + events);
        assertEquals(now + 4000, read(0x108), "comparator advanced by the period");
    }

    @Test
    void levelTriggeredTimerHoldsTheLineUntilStatusIsCleared() {
        write(0x100, (17 << 9) | 0x4 | 0x2);
        write(0x108, 10);
        write(0x10C, 0);
        write(0x010, 1);
        step(100);
        assertEquals(List.of("pin17+"), events);
        assertEquals(1, read(0x020), "timer 0's status bit");
        write(0x020, 1);
        assertEquals(0, read(0x020));
        assertEquals(List.of("pin17+", "pin17-"), events);
    }

    @Test
    void legacyReplacementRoutesTimers0And1ToIrq0AndIrq8() {
        write(0x010, 3);
        assertTrue(legacy, "the board hears that the PIT and RTC are disconnected");
        write(0x100, 0x4);
        write(0x108, 20);
        write(0x10C, 0);
        write(0x120, 0x4);
        write(0x128, 30);
        write(0x12C, 0);
        step(1_000);
        assertEquals(List.of("irq0+", "irq0-", "irq8+", "irq8-"), events);
        write(0x010, 1);
        assertFalse(legacy);
    }

    @Test
    void routeOutsideTheCapabilityIsRefused() {
        write(0x100, 5 << 9);
        assertEquals(0, (read(0x100) >> 9) & 0x1F, "pin 5 is not in the route capability");
    }

    @Test
    void thirtyTwoBitModeMatchesTheLowHalfAcrossAWrap() {
        write(0x0F0, 0xFFFF_FF00L);
        write(0x0F4, 0);
        write(0x100, (16 << 9) | 0x4 | 0x100);
        write(0x108, 0x10);
        write(0x010, 1);
        step(0x110 * 10 - 10);
        assertTrue(events.isEmpty());
        step(10);
        assertEquals(List.of("pin16+", "pin16-"), events, "matched after the low half wrapped");
    }
}
