package dev.jemu.tests.qtest;

import dev.jemu.cli.vm.OptionException;
import dev.jemu.cli.vm.PcVm;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.devices.pc.PcBoard;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A qtest-style harness (QEMU's {@code libqtest}): a machine built from a command line, whose
 * CPU never runs, driven by the test exactly as a guest driver would drive it: port and memory
 * accesses, guest time stepped explicitly ({@link #clockStep}), interrupt lines observed
 * ({@link #irq}). Disk requests run in the machine's main loop, which is the test's own thread:
 * {@link #waitFor} polls it until a condition holds.
 *
 * <p>Threading: the test's thread only.
 */
public final class QTest implements AutoCloseable {
    private static final Duration WAIT_LIMIT = Duration.ofSeconds(20);

    private final PcVm vm;
    private final PcBoard board;

    private QTest(PcVm vm) {
        this.vm = vm;
        this.board = vm.board();
    }

    /** Builds the machine of {@code commandLine} (words separated by spaces) without starting its CPU. */
    public static QTest start(String commandLine) throws OptionException {
        return new QTest(PcVm.createForTest(commandLine.trim().split("\\s+")));
    }

    public PcBoard board() {
        return board;
    }

    private AddressSpace io() {
        return board.io();
    }

    private AddressSpace mem() {
        return board.memory();
    }

    public void outb(int port, int value) {
        io().write(port, value, 1);
    }

    public void outw(int port, int value) {
        io().write(port, value, 2);
    }

    public void outl(int port, long value) {
        io().write(port, value, 4);
    }

    public int inb(int port) {
        return (int) io().read(port, 1);
    }

    public int inw(int port) {
        return (int) io().read(port, 2);
    }

    public long inl(int port) {
        return io().read(port, 4);
    }

    public int readb(long addr) {
        return (int) mem().read(addr, 1);
    }

    public int readw(long addr) {
        return (int) mem().read(addr, 2);
    }

    public long readl(long addr) {
        return mem().read(addr, 4);
    }

    public long readq(long addr) {
        return mem().read(addr, 8);
    }

    public void writeb(long addr, int value) {
        mem().write(addr, value, 1);
    }

    public void writew(long addr, int value) {
        mem().write(addr, value, 2);
    }

    public void writel(long addr, long value) {
        mem().write(addr, value, 4);
    }

    public void writeq(long addr, long value) {
        mem().write(addr, value, 8);
    }

    /** {@code len} guest bytes at {@code addr}. */
    public byte[] memRead(long addr, int len) {
        byte[] out = new byte[len];
        mem().readBytes(addr, out, 0, len);
        return out;
    }

    /** Writes {@code data} to guest memory at {@code addr}. */
    public void memWrite(long addr, byte[] data) {
        mem().writeBytes(addr, data, 0, data.length);
    }

    /** Moves guest time forward by {@code ns}, running the device timers that expire on the way. */
    public void clockStep(long ns) {
        board.bql().run(() -> board.timers().step(ns));
    }

    /** Guest time now, in nanoseconds. */
    public long clockNs() {
        return board.clock().nowNs();
    }

    /** Whether ISA IRQ {@code irq} is asserted. */
    public boolean irq(int irq) {
        return board.bql().call(() -> board.isaIrqLevel(irq));
    }

    /** Whether the interrupt controllers assert the CPU's INTR. */
    public boolean intr() {
        return board.bql().call(board::intrLevel);
    }

    /**
     * Runs the main loop (where disk requests complete) until {@code done} holds; fails after
     * a generous bound rather than hanging.
     */
    public void waitFor(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT_LIMIT.toSeconds() + " s waiting for " + what);
            }
            vm.mainContext().poll(false);
            Thread.onSpinWait();
        }
    }

    @Override
    public void close() {
        vm.close();
    }
}
