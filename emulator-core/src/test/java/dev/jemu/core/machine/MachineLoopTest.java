package dev.jemu.core.machine;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.core.sync.BigLock;
import dev.jemu.core.x86.Cpu;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MachineLoopTest {
    private static MachineLoop newLoop(Cpu cpu, boolean noReboot, Runnable reset) {
        BigLock bql = new BigLock();
        return new MachineLoop(cpu, bql, new DeviceTimers(GuestClock.hostDriven(), bql), noReboot, reset);
    }

    /** Real-mode code at F000:FFF0 (linear 0xFFFFFFF0): LIDT of an empty IVT, then INT3: a triple fault. */
    private static Cpu tripleFaultingCpu() {
        ContainerRegion root = new ContainerRegion("system", 1L << 32);
        byte[] rom = new byte[0x1000];
        int at = 0xFF0;
        byte[] code = {
            0x2E, 0x0F, 0x01, 0x1E, (byte) 0xF8, (byte) 0xFF, // lidt cs:[0xFFF8]
            (byte) 0xCC,                                    // int3
        };
        System.arraycopy(code, 0, rom, at, code.length);
        root.addSubregion(0xFFFF_F000L, RamRegion.rom("rom", rom));
        root.addSubregion(0, RamRegion.ram("ram", 0x10000));
        return new Cpu(new AddressSpace("memory", root), AddressSpace.ioPorts());
    }

    @Test
    void tripleFaultResetsTheMachineUnlessNoReboot() {
        Cpu cpu = tripleFaultingCpu();
        int[] resets = {0};
        MachineLoop[] loop = new MachineLoop[1];
        loop[0] = newLoop(cpu, false, () -> {
            resets[0]++;
            cpu.reset();
            if (resets[0] == 3) {
                loop[0].requestShutdown(7);
            }
        });
        assertEquals(7, loop[0].run());
        assertEquals(3, resets[0]);
    }

    @Test
    void tripleFaultWithNoRebootShutsDownWithStatusZero() {
        Cpu cpu = tripleFaultingCpu();
        int[] resets = {0};
        assertEquals(0, newLoop(cpu, true, () -> resets[0]++).run());
        assertEquals(0, resets[0]);
    }

    @Test
    void interruptRaisedFromAnotherThreadWakesTheHaltedCpu() throws Exception {
        ContainerRegion root = new ContainerRegion("system", 1L << 32);
        RamRegion ram = RamRegion.ram("ram", 0x10000);
        root.addSubregion(0, ram);
        ram.load(0x200, new byte[] {(byte) 0xB0, 0x2A, (byte) 0xE6, (byte) 0x80, (byte) 0xF4}); // ISR: mov al,42; out 0x80,al; hlt
        ram.load(0x1000, new byte[] {(byte) 0xFB, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD});  // sti; hlt; jmp $-1
        ram.load(0x20 * 4, new byte[] {0x00, 0x02, 0, 0});
        AddressSpace io = AddressSpace.ioPorts();
        MachineLoop[] loop = new MachineLoop[1];
        io.root().addSubregion(0x80, new dev.jemu.core.memory.MmioRegion("post", 1, new dev.jemu.core.memory.MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, long value, int size) {
                loop[0].requestShutdown((int) value);
            }
        }, dev.jemu.core.memory.AccessSizes.BYTE));
        Cpu cpu = new Cpu(new AddressSpace("memory", root), io);
        cpu.setRip(0x1000);
        dev.jemu.core.x86.CpuTestAccess.realModeAtZero(cpu);
        cpu.setInterruptAcknowledge(() -> {
            cpu.intrPin().setLevel(false);
            return 0x20;
        });
        loop[0] = newLoop(cpu, true, () -> { });
        Thread device = new Thread(() -> cpu.intrPin().setLevel(true));
        device.start();
        assertEquals(42, loop[0].run());
        device.join(3000);
    }

    @Test
    void expiringDeviceTimerWakesTheHaltedCpuAndRunsUnderTheBigLock() {
        ContainerRegion root = new ContainerRegion("system", 1L << 32);
        RamRegion ram = RamRegion.ram("ram", 0x10000);
        root.addSubregion(0, ram);
        ram.load(0x1000, new byte[] {(byte) 0xF4, (byte) 0xEB, (byte) 0xFD}); // hlt; jmp $-1 (interrupts off)
        Cpu cpu = new Cpu(new AddressSpace("memory", root), AddressSpace.ioPorts());
        cpu.setRip(0x1000);
        dev.jemu.core.x86.CpuTestAccess.realModeAtZero(cpu);
        BigLock bql = new BigLock();
        DeviceTimers timers = new DeviceTimers(GuestClock.hostDriven(), bql);
        MachineLoop[] loop = new MachineLoop[1];
        boolean[] heldInCallback = {false};
        DeviceTimers.Timer t = timers.newTimer("test", () -> {
            heldInCallback[0] = bql.isHeld();
            loop[0].requestShutdown(5);
        });
        loop[0] = new MachineLoop(cpu, bql, timers, false, () -> { });
        bql.run(() -> t.modNs(timers.clock().nowNs() + 20_000_000));
        assertEquals(5, loop[0].run());
        assertEquals(true, heldInCallback[0]);
        assertEquals(true, timers.clock().nowNs() >= 20_000_000);
    }

    @Test
    void resetRequestedWhilePausedResetsOnTheVcpuThreadAndStaysPaused() throws Exception {
        Cpu cpu = tripleFaultingCpu();
        MachineLoop[] loop = new MachineLoop[1];
        java.util.concurrent.CompletableFuture<Thread> resetOn = new java.util.concurrent.CompletableFuture<>();
        loop[0] = newLoop(cpu, false, () -> resetOn.complete(Thread.currentThread()));
        loop[0].pause();
        int[] status = {-1};
        Thread vcpu = new Thread(() -> status[0] = loop[0].run(), "vcpu-test");
        vcpu.start();
        loop[0].requestReset();
        assertEquals(vcpu, resetOn.get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(true, loop[0].isPaused());
        loop[0].requestShutdown(3);
        vcpu.join(10_000);
        assertEquals(3, status[0]);
    }

    @Test
    void callOnVcpuRunsOnTheVcpuThreadWhilePausedAndFailsAfterShutdown() throws Exception {
        Cpu cpu = tripleFaultingCpu();
        MachineLoop loop = newLoop(cpu, false, cpu::reset);
        loop.pause();
        Thread vcpu = new Thread(loop::run, "vcpu-test");
        vcpu.start();
        assertEquals(vcpu, loop.callOnVcpu(Thread::currentThread));
        assertEquals(0xFFF0L, loop.callOnVcpu(cpu::rip), "paused before the first instruction");
        loop.requestShutdown(0);
        vcpu.join(10_000);
        assertFalse(vcpu.isAlive());
        assertThrows(IllegalStateException.class, () -> loop.callOnVcpu(() -> 1));
    }
}
