package dev.jemu.core.x86.jit;

import java.util.Locale;

/**
 * The CPU's execution tiers. {@link #TRANSLATE}, the default, interprets code first and
 * translates blocks that run often into JVM bytecode; {@link #INTERP} only interprets. The
 * system property {@value #PROPERTY} ({@code interp} or {@code translate}) chooses the default
 * for every CPU created afterwards, so whole test suites can run on either tier; the launcher
 * sets the tier from {@code -accel tcg,tier=...}.
 *
 * <p>Threading: immutable.
 */
public enum Tier {
    /** The interpreter only. */
    INTERP,
    /** The interpreter, then translated blocks for hot code. */
    TRANSLATE;

    /** The system property that selects the default tier. */
    public static final String PROPERTY = "jemu.cpu.tier";
    /** The system property giving the executions after which a block is translated (default 3,000). */
    public static final String HOT_PROPERTY = "jemu.cpu.translateAfter";
    /**
     * The system property that, set to {@code false}, has the CPU translate blocks in place
     * on its vCPU thread instead of on a translation thread of its own (which makes when a
     * translation starts to run depend on timing); blocks are also translated in place when
     * {@value #HOT_PROPERTY} is 1, as the tests have it.
     */
    public static final String ASYNC_PROPERTY = "jemu.cpu.translateAsync";

    /** The option value naming this tier ({@code interp}, {@code translate}). */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The tier named {@code name}, or null if there is none by that name. */
    public static Tier fromOptionName(String name) {
        for (Tier t : values()) {
            if (t.optionName().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * The default tier: the one named by {@value #PROPERTY}, else {@link #TRANSLATE}.
     *
     * @throws IllegalArgumentException if the property names no tier
     */
    public static Tier fromSystemProperty() {
        String v = System.getProperty(PROPERTY);
        if (v == null) {
            return TRANSLATE;
        }
        Tier t = fromOptionName(v);
        if (t == null) {
            throw new IllegalArgumentException(PROPERTY + "=" + v + ": no such tier (interp, translate)");
        }
        return t;
    }
}
