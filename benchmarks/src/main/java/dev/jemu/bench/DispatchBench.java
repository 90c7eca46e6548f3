package dev.jemu.bench;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.x86.Cpu;
import dev.jemu.core.x86.jit.Tier;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Dispatch cost of the CPU tiers: nanoseconds per guest instruction of two endless 32-bit
 * loops on a bare CPU (flat protected mode, paging off, no devices), each benchmark call
 * running {@value #BUDGET} instructions. {@code short} is a 7-instruction loop with a store
 * and a load, which one translated region holds (the back edge is an in-region jump);
 * {@code long} is a 42-instruction register loop, longer than a region, so the translating
 * tier goes from region to region by chain links.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DispatchBench {
    private static final int BUDGET = 100_000;
    private static final int CODE = 0x1000;

    /**
     * add eax, ecx; xor ebx, eax; mov [0x10000], eax; add edx, [0x10000]; dec ecx;
     * jnz loop; mov ecx, 1000; jmp loop.
     */
    private static final byte[] SHORT = bytes(
            0x01, 0xC8, 0x31, 0xC3, 0xA3, 0x00, 0x00, 0x01, 0x00, 0x03, 0x15, 0x00, 0x00, 0x01, 0x00,
            0x49, 0x75, -18 & 0xFF, 0xB9, 0xE8, 0x03, 0x00, 0x00, 0xEB, -25 & 0xFF);

    /** 20 times (add eax, ecx; xor ebx, eax), dec ecx, jnz loop, then mov ecx, 1000 and jmp loop. */
    private static final byte[] LONG = longLoop();

    /** A CPU on 1 MiB of RAM running {@code code} at 0x1000 on {@code tier}. */
    private static Cpu cpu(Tier tier, byte[] code) {
        ContainerRegion root = new ContainerRegion("system", 1L << 32);
        root.addSubregion(0, RamRegion.ram("ram", 1 << 20));
        AddressSpace memory = new AddressSpace("memory", root);
        memory.writeBytes(CODE, code, 0, code.length);
        Cpu cpu = new Cpu(memory, AddressSpace.ioPorts());
        cpu.setTier(tier);
        cpu.enterFlatProtectedMode();
        cpu.setReg(Cpu.RCX, 1000);
        cpu.setRip(CODE);
        return cpu;
    }

    private static byte[] longLoop() {
        byte[] b = new byte[20 * 4 + 3 + 7];
        int n = 0;
        for (int k = 0; k < 20; k++) {
            b[n++] = 0x01;
            b[n++] = (byte) 0xC8;
            b[n++] = 0x31;
            b[n++] = (byte) 0xC3;
        }
        b[n++] = 0x49;
        b[n++] = 0x75;
        b[n] = (byte) -(n + 1);
        n++;
        b[n++] = (byte) 0xB9;
        b[n++] = (byte) 0xE8;
        b[n++] = 0x03;
        b[n++] = 0;
        b[n++] = 0;
        b[n++] = (byte) 0xEB;
        b[n] = (byte) -(n + 1);
        return b;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int k = 0; k < values.length; k++) {
            b[k] = (byte) values[k];
        }
        return b;
    }

    /** The four CPUs, made once per benchmark fork. */
    @State(Scope.Thread)
    public static class Cpus {
        Cpu interpShort;
        Cpu translateShort;
        Cpu interpLong;
        Cpu translateLong;

        @Setup
        public void create() {
            interpShort = cpu(Tier.INTERP, SHORT);
            translateShort = cpu(Tier.TRANSLATE, SHORT);
            interpLong = cpu(Tier.INTERP, LONG);
            translateLong = cpu(Tier.TRANSLATE, LONG);
        }
    }

    private static Cpu.StopReason run(Cpu cpu) {
        Cpu.StopReason r = cpu.run(BUDGET);
        if (r != Cpu.StopReason.BUDGET) {
            throw new IllegalStateException("the guest loop stopped: " + r + " at RIP 0x" + Long.toHexString(cpu.rip()));
        }
        return r;
    }

    @Benchmark
    @OperationsPerInvocation(BUDGET)
    public Cpu.StopReason interpShort(Cpus s) {
        return run(s.interpShort);
    }

    @Benchmark
    @OperationsPerInvocation(BUDGET)
    public Cpu.StopReason translateShort(Cpus s) {
        return run(s.translateShort);
    }

    @Benchmark
    @OperationsPerInvocation(BUDGET)
    public Cpu.StopReason interpLong(Cpus s) {
        return run(s.interpLong);
    }

    @Benchmark
    @OperationsPerInvocation(BUDGET)
    public Cpu.StopReason translateLong(Cpus s) {
        return run(s.translateLong);
    }
}
