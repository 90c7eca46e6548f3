package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host debugger's view of a CPU: its breakpoints and watchpoints stop {@link Cpu#run}
 * with {@code DEBUG} and never reach the guest (no #DB, DR6 untouched), a single step runs
 * exactly one instruction, memory is read through the page tables without setting their
 * accessed bits (a debugger must not change what it looks at), and the registers come in
 * gdb's x86-64 order.
 */
class HostDebugTest {
    private static final String LOOP = """
            bits 64
            org 0x1000
            xor ecx, ecx
            top:
            inc rcx
            mov [0x3000], rcx
            cmp rcx, 3
            jne top
            hlt
            """;

    @Test
    void breakpointStopsBeforeTheInstructionAndTheGuestSeesNoDebugException() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(LOOP));
        HostDebug d = new HostDebug(rig.cpu);
        long top = 0x1002;
        assertTrue(d.setBreakpoint(top, true));
        assertEquals(Cpu.StopReason.DEBUG, rig.cpu.run(1000));
        assertEquals(top, rig.cpu.rip);
        assertEquals(0, rig.reg(Cpu.RCX));
        assertEquals(DebugRegisters.DR6_FIXED1, rig.cpu.dr[6]);
        // the breakpoint is still set, so the debugger steps over it
        d.step();
        assertEquals(1, rig.reg(Cpu.RCX));
        assertEquals(Cpu.StopReason.DEBUG, rig.cpu.run(1000));
        assertEquals(top, rig.cpu.rip);
        assertEquals(1, rig.reg(Cpu.RCX));
        assertTrue(d.setBreakpoint(top, false));
        assertFalse(d.setBreakpoint(top, false));
        rig.run();
        assertEquals(3, rig.reg(Cpu.RCX));
    }

    @Test
    void writeWatchpointStopsAfterTheStore() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(LOOP));
        HostDebug d = new HostDebug(rig.cpu);
        d.setWatchpoint(0x3000, 8, HostDebug.WATCH_WRITE, true);
        assertEquals(Cpu.StopReason.DEBUG, rig.cpu.run(1000));
        assertEquals(0x100D, rig.cpu.rip, "stops after the MOV that wrote");
        assertArrayEquals(new long[] {HostDebug.WATCH_WRITE, 0x3000}, d.watchpointHit());
        assertEquals(1, rig.mem.read(0x3000, 8));
        d.resuming();
        assertNull(d.watchpointHit());
        d.setWatchpoint(0x3000, 8, HostDebug.WATCH_WRITE, false);
        rig.run();
        assertEquals(3, rig.mem.read(0x3000, 8));
    }

    @Test
    void readsThroughPagingWithoutSettingAccessedBits() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(LOOP));
        long pde0 = 0x102000;
        rig.mem.write(pde0 + 8, 0x0020_0083L, 8);  // 2 MiB page at 2 MiB, accessed bit clear
        rig.mem.write(0x200010, 0x1122334455667788L, 8);
        HostDebug d = new HostDebug(rig.cpu);
        byte[] buf = new byte[8];
        assertTrue(d.read(0x200010, buf, 0, 8));
        assertEquals(0x88, buf[0] & 0xFF);
        assertEquals(0x11, buf[7] & 0xFF);
        assertEquals(0x0020_0083L, rig.mem.read(pde0 + 8, 8), "the accessed bit stays clear");
        assertEquals(-1, d.translate(0x4000_0000L), "beyond the first GiB nothing is mapped");
        assertFalse(d.read(0x3FFF_FFFCL, new byte[8], 0, 8), "a read that crosses into an unmapped page fails");
    }

    @Test
    void registersInGdbOrder() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(LOOP));
        rig.cpu.regs[Cpu.RBX] = 0x0102030405060708L;
        HostDebug d = new HostDebug(rig.cpu);
        assertEquals("rbx", HostDebug.REGISTERS.get(1).name());
        assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}, d.readRegister(1));
        assertEquals("rip", HostDebug.REGISTERS.get(16).name());
        assertEquals(0x1000, d.readRegister(16)[0] & 0xFF | (d.readRegister(16)[1] & 0xFF) << 8);
        int cs = HostDebug.REGISTERS.indexOf(HostDebug.REGISTERS.stream().filter(r -> r.name().equals("cs")).findFirst().get());
        assertArrayEquals(new byte[] {0x18, 0, 0, 0}, d.readRegister(cs));
        assertTrue(d.writeRegister(cs, new byte[] {0x18, 0, 0, 0}), "writing back the same selector is accepted");
        assertFalse(d.writeRegister(cs, new byte[] {0x08, 0, 0, 0}), "a new selector cannot be loaded by the debugger");
        assertTrue(d.writeRegister(1, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}));
        assertEquals(1, rig.reg(Cpu.RBX));
        int size = HostDebug.REGISTERS.stream().mapToInt(HostDebug.Register::bytes).sum();
        assertEquals(size, d.readRegisters().length);
    }

    /**
     * Outside 64-bit code the debugger sees what {@code qemu-system-x86_64} 7.2 shows (checked
     * with gdb against QEMU in compatibility mode by the tests module's GdbStubTest): RAX-RDI
     * and RIP cut to 32 bits, R8-R15 as zero; writes keep 32 bits and leave R8-R15 alone.
     * The layout is QEMU's: k_gs_base after fs_base and gs_base, the control registers next.
     */
    @Test
    void registersOutside64BitCodeAreCutTo32Bits() {
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm("BITS 32\nORG 0x1000\njmp $\n"));
        rig.cpu.regs[Cpu.RAX] = 0x1122334455667788L;
        rig.cpu.regs[8] = 0x8888;
        HostDebug d = new HostDebug(rig.cpu);
        assertArrayEquals(new byte[] {(byte) 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0}, d.readRegister(0));
        assertArrayEquals(new byte[8], d.readRegister(8));
        assertTrue(d.writeRegister(1, new byte[] {1, 0, 0, 0, 2, 0, 0, 0}));
        assertEquals(1, rig.reg(Cpu.RBX), "the upper half of a 32-bit write is dropped");
        assertTrue(d.writeRegister(8, new byte[] {9, 0, 0, 0, 0, 0, 0, 0}));
        assertEquals(0x8888, rig.reg(8), "R8 is out of reach outside 64-bit code");
        assertEquals("k_gs_base", HostDebug.REGISTERS.get(26).name());
        assertEquals("cr0", HostDebug.REGISTERS.get(27).name());
        assertEquals("st0", HostDebug.REGISTERS.get(33).name());
        assertEquals("mxcsr", HostDebug.REGISTERS.get(65).name());
    }
}
