package dev.jemu.junit;

import dev.jemu.machine.Machine;
import dev.jemu.machine.MachineBuilder;
import dev.jemu.machine.MachineException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The machines of one test: {@link #boot} builds and starts one, whose console waits time out
 * after the test's timeout; all of them are closed after the test, and a failing test's error
 * reports each one (see {@link JemuExtension}). Inject it to boot machines from a test body,
 * e.g. one per row of a {@code @ParameterizedTest} boot table.
 *
 * <p>Threading: any thread; synchronized.
 */
public final class JemuMachines {
    /** How many lines of a console transcript a failure report quotes. */
    private static final int TRANSCRIPT_LINES = 100;

    private final List<Machine> machines = new ArrayList<>();
    private final List<List<String>> argsOf = new ArrayList<>();
    private final Duration timeout;

    JemuMachines(Duration timeout) {
        this.timeout = timeout;
    }

    /** Builds a machine from command-line words and starts it. */
    public Machine boot(List<String> args) {
        Machine m = Machine.fromArgs(args);
        return started(m, args);
    }

    /** Builds a machine from {@code builder} and starts it. */
    public Machine boot(MachineBuilder builder) {
        List<String> args = builder.args();
        return started(Machine.fromArgs(args), args);
    }

    private synchronized Machine started(Machine m, List<String> args) {
        machines.add(m);
        argsOf.add(List.copyOf(args));
        m.console().setDefaultTimeout(timeout);
        return m.start();
    }

    /** The timeout of the test: the console's default wait. */
    public Duration timeout() {
        return timeout;
    }

    /** The machines booted so far, in order. */
    public synchronized List<Machine> machines() {
        return List.copyOf(machines);
    }

    /** Stops every machine still running (the test's time is up). */
    synchronized void stopAll() {
        for (Machine m : machines) {
            m.stop();
        }
    }

    /** Closes every machine. */
    synchronized void closeAll() {
        for (Machine m : machines) {
            m.close();
        }
    }

    /**
     * What a failure report says about every machine: how it ended (or that it runs), its CPU
     * state (a running machine is paused for it), the last lines of its serial transcript and
     * of its {@code -d} log.
     */
    synchronized String report() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < machines.size(); i++) {
            Machine m = machines.get(i);
            b.append("\n--- jemu machine ").append(i + 1).append(": ").append(String.join(" ", argsOf.get(i))).append('\n');
            if (m.hasEnded()) {
                b.append("stopped: ").append(m.stopReason().map(Enum::name).orElse("?"))
                        .append(", exit status ").append(m.exitStatus()).append('\n');
                if (m.failure() != null) {
                    b.append("failure: ").append(m.failure()).append('\n');
                }
            } else {
                b.append("still running; paused for this report\n");
                try {
                    m.pause();
                } catch (MachineException e) {
                    b.append("(could not pause: ").append(e.getMessage()).append(")\n");
                }
            }
            b.append("CPU state:\n");
            try {
                b.append(m.registers());
            } catch (MachineException e) {
                b.append("(unavailable: ").append(e.getMessage()).append(")\n");
            }
            b.append("serial transcript (last ").append(TRANSCRIPT_LINES).append(" lines):\n")
                    .append(m.console().tail(TRANSCRIPT_LINES));
            if (!m.console().transcript().endsWith("\n")) {
                b.append('\n');
            }
            List<String> log = m.logLines();
            b.append("-d log (last ").append(log.size()).append(" lines):\n");
            for (String line : log) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }
}
