package dev.jemu.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.format.OutputFormat;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Collection;

/**
 * JMH's output for {@code jemu-bench}: one progress line per iteration on {@code out}
 * ({@code jemu-bench: cost (3/9): warm-up 2/3}) so that a long suite is not silent, and none of
 * JMH's report, which {@link JemuBench} prints in its own form. Output of the forked benchmark
 * JVM is passed through. Called on JMH's runner thread only.
 */
final class ProgressFormat implements OutputFormat {
    private final PrintStream out;
    private final int benchmarks;
    private int started;
    private String current = "";

    ProgressFormat(PrintStream out, int benchmarks) {
        this.out = out;
        this.benchmarks = benchmarks;
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        started++;
        String name = params.getBenchmark();
        current = name.substring(name.lastIndexOf('.') + 1);
    }

    @Override
    public void iteration(BenchmarkParams params, IterationParams iteration, int index) {
        String phase = iteration.getType() == IterationType.WARMUP ? "warm-up" : "measurement";
        out.printf("jemu-bench: %s (%d/%d): %s %d/%d%n", current, started, benchmarks, phase, index,
                iteration.getCount());
        out.flush();
    }

    @Override
    public void iterationResult(BenchmarkParams params, IterationParams iteration, int index, IterationResult result) {
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
    }

    @Override
    public void startRun() {
    }

    @Override
    public void endRun(Collection<RunResult> results) {
    }

    @Override
    public void print(String s) {
    }

    @Override
    public void println(String s) {
    }

    @Override
    public void verbosePrintln(String s) {
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }

    @Override
    public void write(int b) {
        out.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
        out.write(b);
    }
}
