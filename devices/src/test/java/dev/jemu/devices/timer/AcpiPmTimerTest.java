package dev.jemu.devices.timer;

import dev.jemu.core.machine.GuestClock;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PM timer's value at known guest times: ACPI's 3.579545 MHz, 24 or 32 bits (ACPI 6, 4.8.3.3). */
class AcpiPmTimerTest {
    @Test
    void countsAt3579545HzOfGuestTime() {
        GuestClock clock = GuestClock.manual();
        AcpiPmTimer timer = new AcpiPmTimer(clock, false);
        assertEquals(0, timer.read());
        clock.step(1_000_000_000L);
        assertEquals(3_579_545, timer.read());
        clock.step(1_000);
        assertEquals(3_579_548, timer.read(), "3.58 ticks per microsecond: floor(3579545 * 1.000001)");
        assertFalse(timer.extended());
    }

    @Test
    void wrapsAt24BitsUnlessExtended() {
        GuestClock clock = GuestClock.manual();
        AcpiPmTimer narrow = new AcpiPmTimer(clock, false);
        AcpiPmTimer wide = new AcpiPmTimer(clock, true);
        clock.step(10_000_000_000L);
        assertEquals(35_795_450L - 2 * (1L << 24), narrow.read());
        assertEquals(35_795_450L, wide.read());
        clock.step(1_200_000_000_000L);
        assertEquals((3_579_545L * 1210) & 0xFFFF_FFFFL, wide.read(), "the 32-bit counter wraps too");
        assertTrue(wide.extended());
    }
}
