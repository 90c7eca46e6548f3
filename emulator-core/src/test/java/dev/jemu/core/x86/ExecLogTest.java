package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The {@code -d cpu} register dump against QEMU 7.2's: the CPU is put in the state a QEMU
 * dump shows (its reset state; a 64-bit kernel's) and must print the same text, less QEMU's
 * {@code CCS/CCD/CCO} line (TCG's lazy-flag state, which jemu does not have).
 */
class ExecLogTest {
    /** QEMU 7.2's dump at the reset vector ({@code -d cpu}, first block), CCS line removed. */
    private static final String QEMU_RESET = """
            EAX=00000000 EBX=00000000 ECX=00000000 EDX=00060fb1
            ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000
            EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0
            ES =0000 00000000 0000ffff 00009300
            CS =f000 ffff0000 0000ffff 00009b00
            SS =0000 00000000 0000ffff 00009300
            DS =0000 00000000 0000ffff 00009300
            FS =0000 00000000 0000ffff 00009300
            GS =0000 00000000 0000ffff 00009300
            LDT=0000 00000000 0000ffff 00008200
            TR =0000 00000000 0000ffff 00008b00
            GDT=     00000000 0000ffff
            IDT=     00000000 0000ffff
            CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000
            DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000\s
            DR6=00000000ffff0ff0 DR7=0000000000000400
            EFER=0000000000000000""";

    /** QEMU 7.2's dump in images/longmode.asm's 64-bit code, CCS line removed. */
    private static final String QEMU_LONG = """
            RAX=0000000080010011 RBX=0000000000009500 RCX=00000000c0000080 RDX=0000000000000000
            RSI=0000000000000000 RDI=0000000000304000 RBP=0000000000000000 RSP=0000000000090000
            R8 =0000000000000000 R9 =0000000000000000 R10=0000000000000000 R11=0000000000000000
            R12=0000000000000000 R13=0000000000000000 R14=0000000000000000 R15=0000000000000000
            RIP=0000000000100199 RFL=00000086 [--S--P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
            ES =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
            CS =0028 0000000000000000 ffffffff 00af9a00 DPL=0 CS64 [-R-]
            SS =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
            DS =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
            FS =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
            GS =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
            LDT=0000 0000000000000000 0000ffff 00008200 DPL=0 LDT
            TR =0000 0000000000000000 0000ffff 00008b00 DPL=0 TSS64-busy
            GDT=     0000000000100020 0000006f
            IDT=     0000000000000000 000003ff
            CR0=80010011 CR2=0000000000000000 CR3=0000000000300000 CR4=00000220
            DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000\s
            DR6=00000000ffff0ff0 DR7=0000000000000400
            EFER=0000000000000d01""";

    @Test
    void resetStateDumpsAsQemus() {
        CpuRig rig = new CpuRig();
        rig.cpu.reset();
        assertEquals(QEMU_RESET, new ExecLog(rig.cpu).cpuState());
    }

    @Test
    void longModeStateDumpsAsQemus() {
        CpuRig rig = new CpuRig();
        Cpu c = rig.cpu;
        c.reset();
        c.regs[Cpu.RAX] = 0x80010011L;
        c.regs[Cpu.RBX] = 0x9500;
        c.regs[Cpu.RCX] = 0xc0000080L;
        c.regs[Cpu.RDX] = 0;
        c.regs[Cpu.RDI] = 0x304000;
        c.regs[Cpu.RSP] = 0x90000;
        for (int s : new int[] {Cpu.ES, Cpu.SS, 3, 4, 5}) {
            c.segs[s].set(0x10, 0, 0xFFFF_FFFFL, 0xC093);
        }
        c.segs[Cpu.CS].set(0x28, 0, 0xFFFF_FFFFL, 0xA09A);
        c.tr.set(0, 0, 0xFFFF, 0x8B);
        c.gdtBase = 0x100020;
        c.gdtLimit = 0x6f;
        c.idtLimit = 0x3ff;
        c.cr0 = 0x80010011L;
        c.cr3 = 0x300000;
        c.cr4 = 0x220;
        c.efer = 0xd01;
        c.updateMode();
        c.rip = 0x100199;
        c.setRflags(0x86);
        assertEquals(QEMU_LONG, new ExecLog(c).cpuState());
    }
}
