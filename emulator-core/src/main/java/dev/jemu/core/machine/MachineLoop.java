package dev.jemu.core.machine;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.x86.Cpu;

/**
 * Runs one vCPU until the machine shuts down, and returns the process exit status.
 * A triple fault resets the machine, or shuts it down with status 0 when
 * {@code -no-reboot} was given; a halted CPU sleeps until {@link #kick()} or an interrupt.
 * Devices end the run with {@link #requestShutdown(int)} (isa-debug-exit does).
 *
 * <p>Threading: {@link #run()} runs on the vCPU thread; {@link #requestShutdown},
 * {@link #requestReset} and {@link #kick} may be called from any thread.
 */
public final class MachineLoop {
    private static final long SLICE = 100_000;

    private final Cpu cpu;
    private final boolean noReboot;
    private final Runnable machineReset;
    private final Object sleep = new Object();
    private volatile boolean shutdown;
    private volatile boolean resetRequested;
    private volatile int exitStatus;

    /**
     * @param cpu the vCPU
     * @param noReboot shut down instead of resetting (QEMU's {@code -no-reboot})
     * @param machineReset resets the devices and reloads firmware or kernel, then the CPU state
     */
    public MachineLoop(Cpu cpu, boolean noReboot, Runnable machineReset) {
        this.cpu = cpu;
        this.noReboot = noReboot;
        this.machineReset = machineReset;
        cpu.setWakeup(this::kick);
    }

    /** Ends the run; {@link #run()} returns {@code status}. Any thread. */
    public void requestShutdown(int status) {
        exitStatus = status;
        shutdown = true;
        cpu.requestStop();
        kick();
    }

    /** Asks for a machine reset (or a shutdown with {@code -no-reboot}). Any thread. */
    public void requestReset() {
        resetRequested = true;
        cpu.requestStop();
        kick();
    }

    /** Wakes a halted CPU to look for interrupts. Any thread. */
    public void kick() {
        synchronized (sleep) {
            sleep.notifyAll();
        }
    }

    /** Runs until shutdown; returns the exit status. */
    public int run() {
        while (!shutdown) {
            Cpu.StopReason why = cpu.run(SLICE);
            switch (why) {
                case TRIPLE_FAULT -> reset("triple fault");
                case HALTED -> waitForInterrupt();
                case STOP_REQUESTED, BUDGET -> {
                    if (resetRequested) {
                        resetRequested = false;
                        reset("reset requested");
                    }
                }
            }
        }
        return exitStatus;
    }

    private void reset(String why) {
        if (noReboot) {
            Log.log(LogCategory.CPU_RESET, why + ": shutting down (-no-reboot)");
            exitStatus = 0;
            shutdown = true;
            return;
        }
        Log.log(LogCategory.CPU_RESET, why + ": resetting the machine");
        machineReset.run();
    }

    private void waitForInterrupt() {
        synchronized (sleep) {
            while (!shutdown && !resetRequested && !cpu.interruptPending()) {
                try {
                    sleep.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    requestShutdown(1);
                }
            }
        }
    }
}
