package dev.jemu.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code bin/jemu-bench SUITE [--warmup N] [--iterations N] [--seconds S]}: runs a JMH suite and
 * prints one line per figure, {@code NAME VALUE ns/op}, then {@code NAME.alloc VALUE B/op} for the
 * figures whose allocation matters. Progress, one line per JMH iteration, goes to standard error.
 */
public final class JemuBench {
    private record Figure(String name, String method, boolean allocation) {
    }

    private record Suite(Class<?> type, List<Figure> figures) {
    }

    private static final Map<String, Suite> SUITES = new LinkedHashMap<>();

    static {
        SUITES.put("coroutine", new Suite(CoroutineBench.class, List.of(
                new Figure("yield-enter", "yieldEnter", true),
                new Figure("lifecycle", "lifecycle", true),
                new Figure("cost", "cost", true),
                new Figure("cost-floor", "costFloor", false),
                new Figure("nesting", "nesting", false),
                new Figure("function-call", "functionCall", false),
                new Figure("continuation-floor", "continuationFloor", false),
                new Figure("mutex-uncontended", "mutexUncontended", false),
                new Figure("mutex-handoff", "mutexHandoff", false),
                new Figure("schedule-crossthread", "scheduleCrossthread", false))));
        // ns/op here is nanoseconds per guest instruction.
        SUITES.put("dispatch", new Suite(DispatchBench.class, List.of(
                new Figure("interp-short", "interpShort", true),
                new Figure("translate-short", "translateShort", true),
                new Figure("interp-long", "interpLong", true),
                new Figure("translate-long", "translateLong", true))));
    }

    private JemuBench() {
    }

    public static void main(String[] args) throws RunnerException {
        if (args.length == 0 || !SUITES.containsKey(args[0])) {
            System.err.println("usage: jemu-bench SUITE [--warmup N] [--iterations N] [--seconds S]; JMH suites: "
                    + String.join(", ", SUITES.keySet()) + " (bin/jemu-bench also runs cpu, block and nbd)");
            System.exit(2);
        }
        int warmup = 3;
        int iterations = 5;
        int seconds = 1;
        for (int i = 1; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                fail("option " + option + " needs a value");
            }
            int value = parsePositive(option, args[++i]);
            switch (option) {
                case "--warmup" -> warmup = value;
                case "--iterations" -> iterations = value;
                case "--seconds" -> seconds = value;
                default -> fail("unknown option " + option);
            }
        }
        List<Figure> figures = SUITES.get(args[0]).figures();
        Class<?> suite = SUITES.get(args[0]).type();
        ChainedOptionsBuilder options = new OptionsBuilder()
                .forks(1)
                .warmupIterations(warmup)
                .warmupTime(TimeValue.seconds(seconds))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(seconds))
                .jvmArgsAppend(forkArguments())
                .addProfiler(GCProfiler.class);
        for (Figure figure : figures) {
            options.include(suite.getName() + "\\." + figure.method() + "$");
        }
        System.err.println("jemu-bench: running " + figures.size() + " " + args[0] + " benchmarks on backend "
                + System.getProperty("jemu.coroutine.backend", "continuation") + " ...");
        Collection<RunResult> results = new Runner(options.build(), new ProgressFormat(System.err, figures.size())).run();
        List<String> allocationLines = new ArrayList<>();
        for (Figure figure : figures) {
            RunResult result = find(results, suite.getName() + "." + figure.method());
            if (result == null) {
                fail(figure.name() + ": the benchmark produced no result");
            }
            System.out.printf("%s %.1f ns/op%n", figure.name(), result.getPrimaryResult().getScore());
            if (figure.allocation()) {
                Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
                if (alloc != null) {
                    allocationLines.add(String.format("%s.alloc %.1f B/op", figure.name(), alloc.getScore()));
                }
            }
        }
        allocationLines.forEach(System.out::println);
    }

    private static String[] forkArguments() {
        List<String> arguments = new ArrayList<>(List.of(
                "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                // nesting runs 1000 coroutines nested on one thread's stack
                "-Xss16m"));
        String backend = System.getProperty("jemu.coroutine.backend");
        if (backend != null) {
            arguments.add("-Djemu.coroutine.backend=" + backend);
        }
        return arguments.toArray(String[]::new);
    }

    private static RunResult find(Collection<RunResult> results, String benchmark) {
        for (RunResult result : results) {
            if (result.getParams().getBenchmark().equals(benchmark)) {
                return result;
            }
        }
        return null;
    }

    private static int parsePositive(String option, String text) {
        try {
            int value = Integer.parseInt(text);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        fail(option + "=" + text + ": expected a positive whole number");
        return 0;
    }

    private static void fail(String message) {
        System.err.println("jemu-bench: " + message);
        System.exit(2);
    }
}
