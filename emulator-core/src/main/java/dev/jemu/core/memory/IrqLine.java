package dev.jemu.core.memory;

/**
 * An interrupt line from a device to an interrupt controller input (QEMU's {@code qemu_irq}).
 * The device raises, lowers or pulses it; the sink is told of every level change.
 *
 * <p>Threading: used under the big emulator lock.
 */
public final class IrqLine {
    /** The receiving end: an interrupt controller input. */
    @FunctionalInterface
    public interface Sink {
        /** Called when the line's level changes ({@code true} = asserted). */
        void setLevel(boolean level);
    }

    private final Sink sink;
    private boolean level;

    /** Creates a lowered line that drives {@code sink}. */
    public IrqLine(Sink sink) {
        this.sink = sink;
    }

    /** Asserts the line. */
    public void raise() {
        set(true);
    }

    /** De-asserts the line. */
    public void lower() {
        set(false);
    }

    /** Raises then lowers the line (an edge for edge-triggered inputs). */
    public void pulse() {
        set(true);
        set(false);
    }

    /** Sets the level; the sink hears only changes. */
    public void set(boolean newLevel) {
        if (level != newLevel) {
            level = newLevel;
            sink.setLevel(newLevel);
        }
    }

    /** The current level. */
    public boolean isRaised() {
        return level;
    }
}
