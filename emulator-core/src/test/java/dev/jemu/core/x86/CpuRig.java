package dev.jemu.core.x86;

import dev.jemu.core.memory.AccessSizes;
import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.MmioOps;
import dev.jemu.core.memory.MmioRegion;
import dev.jemu.core.memory.RamRegion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A CPU with 4 MiB of RAM and a debug port (0xE9) that collects output bytes, for running
 * hand-assembled or nasm-assembled code in a chosen mode until HLT.
 */
final class CpuRig {
    static final long CODE = 0x1000;
    final RamRegion ram = RamRegion.ram("ram", 4 << 20);
    final AddressSpace mem;
    final AddressSpace io = AddressSpace.ioPorts();
    final ByteArrayOutputStream debugOut = new ByteArrayOutputStream();
    final Cpu cpu;

    CpuRig() {
        ContainerRegion root = new ContainerRegion("system", 1L << 40);
        root.addSubregion(0, ram);
        mem = new AddressSpace("memory", root);
        io.root().addSubregion(0xE9, new MmioRegion("debugcon", 1, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0xE9;
            }

            @Override
            public void write(long offset, long value, int size) {
                debugOut.write((int) value);
            }
        }, AccessSizes.BYTE));
        cpu = new Cpu(mem, io);
    }

    /** Real mode with CS = DS = ES = SS = 0, SP = 0x8000, code at 0x1000. */
    CpuRig real(byte[] code) {
        load(CODE, code);
        for (Segment s : cpu.segs) {
            s.setReal(0);
        }
        cpu.regs[Cpu.RSP] = 0x8000;
        cpu.rip = CODE;
        cpu.updateMode();
        return this;
    }

    /** GDT at 0x500: 0x08 flat 32-bit code, 0x10 flat data, 0x18 64-bit code. */
    private void installGdt() {
        long gdt = 0x500;
        mem.write(gdt, 0, 8);
        mem.write(gdt + 8, 0x00CF9A000000FFFFL, 8);
        mem.write(gdt + 16, 0x00CF92000000FFFFL, 8);
        mem.write(gdt + 24, 0x00AF9A000000FFFFL, 8);
        cpu.setGdtr(gdt, 31);
    }

    /** Flat 32-bit protected mode, paging off, ESP = 0x80000. */
    CpuRig prot32(byte[] code) {
        load(CODE, code);
        installGdt();
        cpu.enterFlatProtectedMode();
        cpu.regs[Cpu.RSP] = 0x80000;
        cpu.rip = CODE;
        return this;
    }

    /** 64-bit mode (CS = 0x18): the first 1 GiB identity-mapped with 2 MiB pages, RSP = 0x80000. */
    CpuRig long64(byte[] code) {
        load(CODE, code);
        long pml4 = 0x100000;
        long pdpt = 0x101000;
        long pd = 0x102000;
        mem.write(pml4, pdpt | 7, 8);
        mem.write(pdpt, pd | 7, 8);
        for (int k = 0; k < 512; k++) {
            mem.write(pd + 8L * k, ((long) k << 21) | 0x87, 8);
        }
        installGdt();
        cpu.enterFlatProtectedMode();
        cpu.cr3 = pml4;
        cpu.cr4 |= Cpu.CR4_PAE;
        cpu.efer |= Cpu.EFER_LME | Cpu.EFER_LMA | Cpu.EFER_NXE | Cpu.EFER_SCE;
        cpu.cr0 |= Cpu.CR0_PG;
        cpu.segs[Cpu.CS].set(0x18, 0, 0xFFFF_FFFFL, 0xA09B);
        cpu.updateMode();
        cpu.mmu.flush();
        cpu.regs[Cpu.RSP] = 0x80000;
        cpu.rip = CODE;
        return this;
    }

    /**
     * Runs {@code body} on a CPU of {@code model} in 64-bit mode with CR4.OSFXSR set, RAX
     * holding that CR4, and #UD and #GP handlers that put the vector (6, 13) in R15 and halt;
     * R15 is -1 if neither was raised.
     */
    static CpuRig runFaultProbe(CpuModel model, String body) {
        return faultProbe(model, body).run();
    }

    /**
     * {@link #runFaultProbe}'s CPU before it runs; besides #UD and #GP, #PF puts 14 in R15,
     * and #GP and #PF leave their error code in R14, #PF CR2 in R13.
     */
    static CpuRig faultProbe(CpuModel model, String body) {
        String source = IdtPrelude.long64() + """
                GATE 6, ud
                GATE 13, gp
                GATE 14, pf
                mov r15, -1
                mov rax, cr4
                or rax, 0x200
                mov cr4, rax
                BODY
                hlt
            ud: mov r15, 6
                hlt
            gp: pop r14
                mov r15, 13
                hlt
            pf: pop r14
                mov r13, cr2
                mov r15, 14
                hlt
            """;
        CpuRig rig = new CpuRig();
        rig.cpu.setModel(model);
        rig.long64(nasm(source.replace("BODY", body)));
        return rig;
    }

    void load(long addr, byte[] bytes) {
        mem.writeBytes(addr, bytes, 0, bytes.length);
    }

    /** Runs until HLT; fails the test after a million instructions. */
    CpuRig run() {
        Cpu.StopReason r = cpu.run(1_000_000);
        assertEquals(Cpu.StopReason.HALTED, r, "CPU did not halt; RIP=" + Long.toHexString(cpu.rip));
        return this;
    }

    long reg(int r) {
        return cpu.regs[r];
    }

    int flags() {
        return cpu.eflags();
    }

    String output() {
        return debugOut.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Assembles {@code source} with nasm into a flat binary (ORG 0x1000 unless the source says otherwise). */
    static byte[] nasm(String source) {
        try {
            Path dir = Files.createTempDirectory("jemu-nasm");
            Path src = dir.resolve("t.asm");
            Path out = dir.resolve("t.bin");
            Files.writeString(src, source);
            Process p = new ProcessBuilder("nasm", "-f", "bin", "-o", out.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("nasm failed: " + log);
            }
            byte[] bin = Files.readAllBytes(out);
            Files.delete(src);
            Files.delete(out);
            Files.delete(dir);
            return bin;
        } catch (IOException e) {
            throw new AssertionError("cannot run nasm (install the nasm package): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int k = 0; k < b.length; k++) {
            out[k] = (byte) b[k];
        }
        return out;
    }
}
