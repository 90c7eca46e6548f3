package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-computed vectors for the 80-bit soft-float itself, without decoding or a CPU. */
class X87FloatTest {
    private static final long ONE = 0x8000_0000_0000_0000L;
    private static final int ONE_SE = 0x3FFF;

    private static X87Float unit(int fcw) {
        X87Float fl = new X87Float();
        fl.setControl(fcw);
        return fl;
    }

    @Test
    void addRoundsHalfwayCasesToEven() {
        X87Float fl = unit(0x37F);
        fl.add(ONE, ONE_SE, ONE, ONE_SE - 64, false);
        assertEquals(ONE, fl.rMan, "1 + 2^-64 ties to the even 1");
        assertEquals(X87Float.PE, fl.exc);
        assertFalse(fl.roundedUp);
        fl.exc = 0;
        fl.add(ONE | 1, ONE_SE, ONE, ONE_SE - 64, false);
        assertEquals(ONE | 2, fl.rMan, "(1 + 2^-63) + 2^-64 ties up to the even 1 + 2^-62");
        assertTrue(fl.roundedUp);
    }

    @Test
    void subtractionOfEqualValuesIsPositiveZeroExceptWhenRoundingDown() {
        X87Float fl = unit(0x37F);
        fl.add(ONE, ONE_SE, ONE, ONE_SE, true);
        assertEquals(0, fl.rMan);
        assertEquals(0, fl.rSe);
        fl = unit(0x77F);
        fl.add(ONE, ONE_SE, ONE, ONE_SE, true);
        assertEquals(0x8000, fl.rSe);
    }

    @Test
    void sqrtOfAPerfectSquareIsExact() {
        X87Float fl = unit(0x37F);
        fl.fromLong(9);
        fl.sqrt(fl.rMan, fl.rSe);
        assertEquals(0xC000_0000_0000_0000L, fl.rMan);
        assertEquals(0x4000, fl.rSe);
        assertEquals(0, fl.exc);
    }

    @Test
    void divisionByZeroGivesSignedInfinityAndZe() {
        X87Float fl = unit(0x37F);
        fl.div(ONE, 0x8000 | ONE_SE, 0, 0);
        assertEquals(ONE, fl.rMan);
        assertEquals(0xFFFF, fl.rSe);
        assertEquals(X87Float.ZE, fl.exc);
    }

    @Test
    void precisionControlRoundsTheSignificandButKeepsTheExponentRange() {
        X87Float fl = unit(0x07F);
        fl.mul(ONE | 0xFFFF_FFFFL, 0x7000, ONE, 0x3FFF);
        assertEquals(ONE, fl.rMan, "rounded to 24 bits");
        assertEquals(0x7000, fl.rSe, "an exponent far beyond single precision survives");
    }

    @Test
    void conversionToIntegerUsesTheRequestedRoundingAndReportsOverflow() {
        X87Float fl = unit(0x37F);
        fl.fromLong(5);
        long m = fl.rMan;
        int se = fl.rSe - 1;
        assertEquals(2, fl.toInt(m, se, 32, X87Float.RC_NEAREST), "2.5 to even");
        assertEquals(3, fl.toInt(m, se, 32, X87Float.RC_UP));
        assertEquals(-3 & 0xFFFF_FFFFL, fl.toInt(m, se | 0x8000, 32, X87Float.RC_DOWN));
        fl.exc = 0;
        fl.fromLong(40000);
        assertEquals(0x8000, fl.toInt(fl.rMan, fl.rSe, 16, X87Float.RC_NEAREST), "integer indefinite");
        assertEquals(X87Float.IE, fl.exc);
    }

    @Test
    void singleAndDoubleConversionsRoundTripAndQuietSignallingNans() {
        X87Float fl = unit(0x37F);
        fl.fromIeee(Double.doubleToRawLongBits(0.1), 52, 11);
        assertEquals(0x3FFB, fl.rSe);
        assertEquals(Double.doubleToRawLongBits(0.1), fl.toIeee(fl.rMan, fl.rSe, 52, 11));
        fl.fromIeee(0x0000_0001L, 23, 8);
        assertEquals(X87Float.DE, fl.exc, "the smallest single denormal is a denormal operand");
        assertEquals(0x3FFF - 149, fl.rSe, "2^-149, normalised");
        fl.exc = 0;
        fl.fromIeee(0x7F80_0001L, 23, 8);
        assertEquals(X87Float.IE, fl.exc);
        assertEquals(0xC000_0100_0000_0000L, fl.rMan);
    }

    @Test
    void tinyInexactResultsUnderflowToDenormals() {
        X87Float fl = unit(0x37F);
        fl.mul(ONE | 1, 0x0001, ONE, 0x3FFE);
        assertEquals(0, fl.rSe, "denormal exponent field");
        assertEquals(0x4000_0000_0000_0000L, fl.rMan, "(1 + 2^-63) * 2^-16383 rounds to the even 2^-16383");
        assertEquals(X87Float.UE | X87Float.PE, fl.exc);
    }
}
