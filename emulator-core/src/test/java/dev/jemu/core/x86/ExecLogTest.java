package dev.jemu.core.x86;

import dev.jemu.core.log.Log;
import dev.jemu.core.log.LogCategory;
import dev.jemu.core.x86.jit.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code -d cpu} register dump against QEMU 7.2's: the CPU is put in the state a QEMU
 * dump shows (its reset state; a 64-bit kernel's) and must print the same text, less QEMU's
 * {@code CCS/CCD/CCO} line (TCG's lazy-flag state, which jemu does not have); the
 * {@code in_asm} and {@code exec} lines of a small loop, with the instruction text QEMU
 * prints; {@code nochain} keeps the translator from following branches.
 */
class ExecLogTest {
    /** MOV ECX, 3; loop: DEC ECX; JNZ loop; HLT. */
    private static final byte[] LOOP = CpuRig.bytes(0xb9, 3, 0, 0, 0, 0xff, 0xc9, 0x75, 0xfc, 0xf4);

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    private Log.Scope scope(LogCategory... categories) {
        Log.Scope s = new Log.Scope(new PrintStream(logged, true, StandardCharsets.UTF_8));
        s.enable(categories);
        Log.bind(s);
        return s;
    }

    @AfterEach
    void unbind() {
        Log.unbind();
    }

    @Test
    void inAsmListsEachBlockOnceAndExecTracesEachEntry() {
        scope(LogCategory.IN_ASM, LogCategory.EXEC);
        CpuRig rig = new CpuRig().long64(LOOP);
        assertEquals(Cpu.StopReason.HALTED, rig.cpu.run(100));
        assertEquals(8, rig.cpu.instructionCount());
        assertEquals("""
                ----------------
                IN:\s
                0x00001000:  b9 03 00 00 00           movl     $3, %ecx
                0x00001005:  ff c9                    decl     %ecx
                0x00001007:  75 fc                    jne      0x1005

                Trace 0: [0000000000000000/0000000000001000]\s
                ----------------
                IN:\s
                0x00001005:  ff c9                    decl     %ecx
                0x00001007:  75 fc                    jne      0x1005

                Trace 0: [0000000000000000/0000000000001005]\s
                Trace 0: [0000000000000000/0000000000001005]\s
                ----------------
                IN:\s
                0x00001009:  f4                       hlt     \s

                Trace 0: [0000000000000000/0000000000001009]\s
                """, logged.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aBlockWhoseCodeWasRewrittenIsListedAgain() {
        scope(LogCategory.IN_ASM);
        CpuRig rig = new CpuRig().long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                mov ecx, 2
            again:
                jmp target
            target:
                mov eax, 1
                inc byte [rel target + 1]
                dec ecx
                jnz again
                hlt
            """));
        assertEquals(Cpu.StopReason.HALTED, rig.cpu.run(100));
        String log = logged.toString(StandardCharsets.UTF_8);
        assertEquals(2, count(log, "jmp      0x1007"), log + ": the blocks at 0x1000 and at 0x1005");
        assertEquals(1, count(log, "movl     $1, %eax"), log);
        assertEquals(1, count(log, "movl     $2, %eax"), log);
    }

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void nochainEndsTranslatedRegionsAtBranches() {
        String source = """
            BITS 64
            ORG 0x1000
                mov ecx, 1000
            again:
                test ecx, 1
                jz even
                add eax, 3
                jmp next
            even:
                add ebx, 5
            next:
                dec ecx
                jnz again
                hlt
            """;
        CpuRig chained = new CpuRig();
        chained.cpu.setTier(Tier.TRANSLATE);
        chained.long64(CpuRig.nasm(source)).run();
        scope(LogCategory.NOCHAIN);
        CpuRig unchained = new CpuRig();
        unchained.cpu.setTier(Tier.TRANSLATE);
        unchained.long64(CpuRig.nasm(source)).run();
        assertEquals(1500, unchained.reg(Cpu.RAX));
        assertEquals(2500, unchained.reg(Cpu.RBX));
        assertEquals(chained.cpu.instructionCount(), unchained.cpu.instructionCount());
        long regions = chained.cpu.translations().translations();
        long blocks = unchained.cpu.translations().translations();
        assertTrue(blocks > regions, "without chaining each block is its own translation: " + blocks + " vs " + regions);
        assertEquals("", logged.toString(StandardCharsets.UTF_8), "nochain alone logs nothing");
    }

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
        assertEquals(QEMU_RESET, CpuStateDump.of(rig.cpu, false));
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
        assertEquals(QEMU_LONG, CpuStateDump.of(c, false));
    }
}
