package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Debug registers, debug exceptions and EFLAGS.RF. Expected values are the Intel SDM's
 * (vol. 3B ch. 18, "Debug Registers" and "Debug Exception Conditions"; vol. 3A 6.13 on RF in
 * the pushed EFLAGS) and, where the SDM leaves the choice to the CPU (B0-B3 cleared by a
 * single-step #DB), QEMU 7.2 TCG's, from a multiboot kernel doing the same steps. QEMU departs
 * from the SDM in two places tested here: it lets software set DR6 bit 12 and does not set RF
 * in the RFLAGS image of faults.
 */
class DebugRegistersTest {
    private static final long LOG = 0x6000;

    /**
     * Handlers for #DB, #BP, #UD, #GP and #PF that append {vector, EIP, pushed EFLAGS, DR6}
     * at 0x6000 (end pointer at 0x5FF0); then, if set, resume at [resume] instead, set RF in
     * the EFLAGS pushed for #DB ([setrf]) or clear TF ([cleartf]). #GP also makes [sel] a
     * valid selector.
     */
    private static final String HANDLERS = """
            %macro H 1
            h%1:    push dword %1
                    jmp record
            %endmacro
            H 1
            H 3
            H 6
            H 13
            H 14
            record: push eax
                    push ecx
                    push edi
                    push ebx
                    mov ebx, esp
                    mov eax, [ebx + 16]
                    lea edi, [ebx + 20]
                    cmp eax, 13
                    jb .noerr
                    add edi, 4
            .noerr: mov ecx, [0x5FF0]
                    mov [ecx], eax
                    mov eax, [edi]
                    mov [ecx + 4], eax
                    mov eax, [edi + 8]
                    mov [ecx + 8], eax
                    mov eax, dr6
                    mov [ecx + 12], eax
                    add dword [0x5FF0], 16
                    mov eax, [resume]
                    test eax, eax
                    jz .noresume
                    mov [edi], eax
                    mov dword [resume], 0
            .noresume:
                    cmp dword [ebx + 16], 13
                    jne .nofix
                    mov word [sel], 0x10
            .nofix: cmp byte [setrf], 0
                    je .norf
                    cmp dword [ebx + 16], 1
                    jne .norf
                    or dword [edi + 8], 0x10000
            .norf:  cmp byte [cleartf], 0
                    je .tf
                    and dword [edi + 8], ~0x100
            .tf:    cmp dword [ebx + 16], 13
                    pop ebx
                    pop edi
                    pop ecx
                    pop eax
                    jb .n
                    add esp, 4
            .n:     add esp, 4
                    iretd
            align 8
            ssval:  dw 0x10
            sel:    dw 0x1000
            setrf:  db 0
            cleartf: db 1
            resume: dd 0
            align 8
            var:    dd 0, 0, 0, 0
            """;

    private static CpuRig run(String body) {
        return new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + """
                GATE 1, h1
                GATE 3, h3
                GATE 6, h6
                GATE 13, h13
                GATE 14, h14
                mov dword [0x5FF0], 0x6000
                """ + body + "\nhlt\n" + HANDLERS)).run();
    }

    /** The entries the handlers logged: {vector, EIP, EFLAGS, DR6}. */
    private static List<long[]> log(CpuRig rig) {
        List<long[]> out = new ArrayList<>();
        for (long a = LOG; a < rig.mem.read(0x5FF0, 4); a += 16) {
            out.add(new long[] {rig.mem.read(a, 4), rig.mem.read(a + 4, 4), rig.mem.read(a + 8, 4), rig.mem.read(a + 12, 4)});
        }
        return out;
    }

    @Test
    void dr6AndDr7KeepTheirFixedBitsAndDr4Dr5AliasThemWithoutCr4De() {
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov dr7, eax
                mov eax, dr6
                mov [0x4000], eax
                mov eax, dr7
                mov [0x4004], eax
                mov eax, 0xFFFFFFFF
                mov dr6, eax
                mov eax, 0xFFFFDFFF
                mov dr7, eax
                mov eax, dr6
                mov [0x4008], eax
                mov eax, dr7
                mov [0x400C], eax
                xor eax, eax
                mov dr7, eax
                mov eax, 0x4001
                mov dr6, eax
                mov eax, dr4
                mov [0x4010], eax
                mov eax, 0x401
                mov dr5, eax
                mov eax, dr7
                mov [0x4014], eax
                xor eax, eax
                mov dr7, eax
                """);
        assertEquals(0xFFFF0FF0L, rig.mem.read(0x4000, 4), "DR6 after writing 0");
        assertEquals(0x400, rig.mem.read(0x4004, 4), "DR7 after writing 0: bit 10 reads as 1");
        assertEquals(0xFFFFEFFFL, rig.mem.read(0x4008, 4), "DR6: bit 12 reads as 0 (QEMU keeps it)");
        assertEquals(0xFFFF07FFL, rig.mem.read(0x400C, 4), "DR7 (all but GD written): bits 11, 12, 14, 15 read as 0");
        assertEquals(0xFFFF4FF1L, rig.mem.read(0x4010, 4), "DR4 reads DR6 while CR4.DE = 0");
        assertEquals(0x401, rig.mem.read(0x4014, 4), "DR5 writes DR7 while CR4.DE = 0");
    }

    @Test
    void dr4IsUndefinedWithCr4De() {
        CpuRig rig = run("""
                mov eax, cr4
                or eax, 8
                mov cr4, eax
                mov dword [resume], after
            access:
                mov eax, dr4
            after:
                mov ebx, access
                """);
        List<long[]> log = log(rig);
        assertEquals(1, log.size());
        assertEquals(Vectors.UD, log.get(0)[0]);
        assertEquals(rig.reg(Cpu.RBX), log.get(0)[1]);
    }

    @Test
    void instructionBreakpointsFaultBeforeTheInstructionAndRfSuppressesOne() {
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov eax, bp1
                mov dr0, eax
                mov eax, bp2
                mov dr1, eax
                mov eax, 0x405
                mov dr7, eax
                mov byte [setrf], 1
                mov ecx, 5
            bp1: inc ecx
            bp2: inc ecx
                xor eax, eax
                mov dr7, eax
                mov esi, bp1
                mov edi, bp2
                """);
        List<long[]> log = log(rig);
        assertEquals(2, log.size(), "one #DB per breakpoint: the handler's RF stops a second one at bp1");
        assertEquals(Vectors.DB, log.get(0)[0]);
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1], "#DB before the instruction at DR0");
        assertEquals(0, log.get(0)[2] & Eflags.RF, "an instruction-breakpoint #DB pushes RF as it was");
        assertEquals(0xFFFF0FF1L, log.get(0)[3], "B0");
        assertEquals(rig.reg(Cpu.RDI), log.get(1)[1]);
        assertEquals(0xFFFF0FF2L, log.get(1)[3], "B1; B0 cleared; RF cleared after bp1 ran");
        assertEquals(7, rig.reg(Cpu.RCX), "both instructions ran once");
    }

    @Test
    void dataBreakpointsTrapAfterTheAccessThatOverlapsThem() {
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov eax, var
                mov dr2, eax
                mov eax, var + 4
                mov dr3, eax
                mov eax, 0x7D000450
                mov dr7, eax
                mov al, [var]
                mov [var + 2], al
            a1: mov al, [var + 3]
                mov al, [var + 5]
            a2: mov eax, [var + 2]
            a3: xor eax, eax
                mov dr7, eax
                mov esi, a1
                mov edi, a2
                mov ebp, a3
                """);
        // DR2: write, 4 bytes at var; DR3: read/write, 2 bytes at var + 4.
        List<long[]> log = log(rig);
        assertEquals(3, log.size(), "a read of a write breakpoint and a read next to a breakpoint do not trap");
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1], "trap: EIP after the byte write into DR2's dword");
        assertEquals(0xFFFF0FF4L, log.get(0)[3], "B2");
        assertEquals(rig.reg(Cpu.RDI), log.get(1)[1], "byte read of var + 5 hits DR3");
        assertEquals(0xFFFF0FF8L, log.get(1)[3], "B3");
        assertEquals(rig.reg(Cpu.RBP), log.get(2)[1], "dword read of var + 2 overlaps both; only DR3 watches reads");
        assertEquals(0xFFFF0FF8L, log.get(2)[3]);
    }

    @Test
    void singleStepSetsBsAndClearsB0ToB3() {
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov eax, var
                mov dr0, eax
                mov eax, 0x000D0401
                mov dr7, eax
                mov [var], eax
                xor eax, eax
                mov dr7, eax
                pushfd
                or dword [esp], 0x100
                popfd
                nop
            s1: nop
                mov esi, s1
                """);
        List<long[]> log = log(rig);
        assertEquals(2, log.size());
        assertEquals(0xFFFF0FF1L, log.get(0)[3], "data breakpoint B0");
        assertEquals(rig.reg(Cpu.RSI), log.get(1)[1], "single-step trap after the instruction following POPF");
        assertEquals(Eflags.TF, log.get(1)[2] & (Eflags.TF | Eflags.RF), "TF pushed, RF clear");
        assertEquals(0xFFFF4FF0L, log.get(1)[3], "BS set, B0 cleared");
    }

    @Test
    void instructionBreakpointKeepsBs() {
        CpuRig rig = run("""
                mov eax, 0x4000
                mov dr6, eax
                mov eax, brk
                mov dr0, eax
                mov eax, 0x401
                mov dr7, eax
                mov byte [setrf], 1
            brk: nop
                xor eax, eax
                mov dr7, eax
                """);
        assertEquals(0xFFFF4FF1L, log(rig).get(0)[3]);
    }

    @Test
    void movSsHoldsTheSingleStepTrapUntilAfterTheNextInstruction() {
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov byte [cleartf], 0
                pushfd
                or dword [esp], 0x100
                popfd
                mov ss, [ssval]
                nop
            t1: nop
            t2: mov byte [cleartf], 1
            t3: nop
                mov esi, t1
                mov edi, t2
                mov ebp, t3
                """);
        List<long[]> log = log(rig);
        assertEquals(3, log.size(), "no #DB between MOV SS and the NOP after it");
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1]);
        assertEquals(0xFFFF4FF0L, log.get(0)[3]);
        assertEquals(rig.reg(Cpu.RDI), log.get(1)[1]);
        assertEquals(rig.reg(Cpu.RBP), log.get(2)[1]);
    }

    @Test
    void faultsPushRfSetTrapsAndSoftwareInterruptsDoNot() {
        CpuRig rig = run("""
                mov dword [resume], r1
                mov ax, 0x1000
                mov ds, ax
            r1: mov dword [resume], r2
                ud2
            r2: int3
                """);
        List<long[]> log = log(rig);
        assertEquals(3, log.size());
        assertEquals(Vectors.GP, log.get(0)[0]);
        assertEquals(Eflags.RF, log.get(0)[2] & Eflags.RF, "#GP is a fault: RF set in the image");
        assertEquals(Vectors.UD, log.get(1)[0]);
        assertEquals(Eflags.RF, log.get(1)[2] & Eflags.RF, "#UD is a fault: RF set in the image");
        assertEquals(Vectors.BP, log.get(2)[0]);
        assertEquals(0, log.get(2)[2] & Eflags.RF, "INT3 is a trap: RF as it was (clear)");
        assertEquals(0, rig.flags() & Eflags.RF, "IRET loaded RF = 1 and the next instruction cleared it");
    }

    @Test
    void rfFromAFaultLetsTheFaultingInstructionRunPastItsBreakpoint() {
        // The instruction at bp has a breakpoint and faults: #DB first, then (RF set by the
        // handler) #GP, whose image carries RF = 1, so returning to it raises no second #DB.
        CpuRig rig = run("""
                mov eax, brk
                mov dr0, eax
                mov eax, 0x401
                mov dr7, eax
                mov byte [setrf], 1
            brk: mov ds, [sel]
                xor eax, eax
                mov dr7, eax
                mov esi, brk
                """);
        List<long[]> log = log(rig);
        assertEquals(2, log.size(), "no second #DB at bp");
        assertEquals(Vectors.DB, log.get(0)[0]);
        assertEquals(Vectors.GP, log.get(1)[0]);
        assertEquals(rig.reg(Cpu.RSI), log.get(1)[1], "#GP at bp");
        assertEquals(Eflags.RF, log.get(1)[2] & Eflags.RF);
        assertEquals(0x10, rig.cpu.segs[Cpu.DS].selector, "MOV DS ran after the handler fixed the selector");
    }

    @Test
    void settingBitsAbove31OfDr6OrDr7IsAGeneralProtectionFault() {
        // SDM MOV DR: #GP(0) "if an attempt is made to write a 1 to any of bits 63:32 in DR6/DR7".
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(IdtPrelude.long64() + """
                GATE 13, gp
                xor esi, esi
                mov rax, 1 << 32
                lea rbx, [rel next1]
                mov dr7, rax
            next1:
                lea rbx, [rel next2]
                mov dr6, rax
            next2:
                mov dr0, rax
                mov rdi, dr0
                mov rbp, dr7
                hlt
            gp:
                inc esi
                add rsp, 8
                mov [rsp], rbx
                iretq
                """)).run();
        assertEquals(2, rig.reg(Cpu.RSI), "#GP for DR7 and for DR6");
        assertEquals(1L << 32, rig.reg(Cpu.RDI), "DR0-DR3 hold 64-bit addresses");
        assertEquals(0x400, rig.reg(Cpu.RBP), "DR7 unchanged");
    }

    @Test
    void ioBreakpointsTrapAfterPortAccessesWithCr4De() {
        CpuRig rig = run("""
                mov eax, cr4
                or eax, 8
                mov cr4, eax
                xor eax, eax
                mov dr6, eax
                mov eax, 0x80
                mov dr0, eax
                mov eax, 0x90
                mov dr1, eax
                mov eax, 0x00E20405
                mov dr7, eax
                out 0x80, al
            i1: in al, 0x81
                mov dx, 0x90
                in ax, dx
            i2: out 0x94, al
                out 0x93, al
            i3: xor eax, eax
                mov dr7, eax
                mov esi, i1
                mov edi, i2
                mov ebp, i3
                """);
        // DR0: I/O, 1 byte at port 0x80; DR1: I/O, 4 bytes at ports 0x90-0x93.
        List<long[]> log = log(rig);
        assertEquals(3, log.size(), "ports 0x81 and 0x94 are outside both breakpoints");
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1], "trap after OUT 0x80");
        assertEquals(0xFFFF0FF1L, log.get(0)[3]);
        assertEquals(rig.reg(Cpu.RDI), log.get(1)[1], "IN AX from 0x90");
        assertEquals(0xFFFF0FF2L, log.get(1)[3]);
        assertEquals(rig.reg(Cpu.RBP), log.get(2)[1], "OUT 0x93");
    }

    @Test
    void generalDetectFaultsOnMovDrAndClearsGd() {
        // SDM: with DR7.GD set, MOV DR raises a fault-class #DB with DR6.BD; GD is cleared.
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov eax, 0x2000
                mov dr7, eax
            g1: mov eax, dr6
                mov ebx, dr7
                mov esi, g1
                """);
        List<long[]> log = log(rig);
        assertEquals(1, log.size());
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1], "fault: EIP of the MOV DR");
        assertEquals(0xFFFF2FF0L, log.get(0)[3], "BD");
        assertEquals(Eflags.RF, log.get(0)[2] & Eflags.RF, "a fault");
        assertEquals(0xFFFF2FF0L, rig.reg(Cpu.RAX), "the MOV ran again after the handler");
        assertEquals(0x400, rig.reg(Cpu.RBX), "GD cleared");
    }

    @Test
    void noSingleStepTrapAfterASoftwareInterrupt() {
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov byte [cleartf], 0
                pushfd
                or dword [esp], 0x100
                popfd
                nop
            n1: int3
            n2: nop
            n3: mov byte [cleartf], 1
            n4: mov esi, n1
                mov edi, n2
                mov ebp, n3
                mov ebx, n4
                """);
        List<long[]> log = log(rig);
        assertEquals(4, log.size(), "#DB, #BP, #DB, #DB: none at the #BP handler's entry");
        assertEquals(Vectors.DB, log.get(0)[0]);
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1]);
        assertEquals(Vectors.BP, log.get(1)[0]);
        assertEquals(rig.reg(Cpu.RDI), log.get(1)[1]);
        assertEquals(rig.reg(Cpu.RBP), log.get(2)[1], "IRET restored TF: a trap after the NOP");
        assertEquals(rig.reg(Cpu.RBX), log.get(3)[1]);
    }

    @Test
    void icebpAfterMovSsReplacesTheHeldBackSingleStep() {
        // kvm-unit-tests debug "Single-Step + ICEBP #DB w/ MOVSS blocking": two ICEBP #DBs with
        // DR6 = 0xFFFF0FF0, then single-step #DBs.
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov byte [cleartf], 0
                pushfd
                or dword [esp], 0x100
                popfd
                mov ss, [ssval]
                db 0xF1
            ib1: db 0xF1
            ib2: mov byte [cleartf], 1
            ib3: mov esi, ib1
                mov edi, ib2
                mov ebp, ib3
                """);
        List<long[]> log = log(rig);
        assertEquals(3, log.size());
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1]);
        assertEquals(0xFFFF0FF0L, log.get(0)[3], "ICEBP: no BS");
        assertEquals(rig.reg(Cpu.RDI), log.get(1)[1]);
        assertEquals(0xFFFF0FF0L, log.get(1)[3]);
        assertEquals(rig.reg(Cpu.RBP), log.get(2)[1]);
        assertEquals(0xFFFF4FF0L, log.get(2)[3]);
    }

    @Test
    void watchpointOnMovSsIsDeliveredAfterTheNextInstruction() {
        // kvm-unit-tests debug "MOV SS + watchpoint + INT3": the #DB of MOV SS's read comes
        // after INT3 has entered its handler, so the #DB handler runs first, at #BP's entry.
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov eax, ssval
                mov dr1, eax
                mov eax, 0x00700408
                mov dr7, eax
                mov ss, [ssval]
                int3
            w1: xor eax, eax
                mov dr7, eax
                mov esi, w1
                mov edi, h3
                """);
        List<long[]> log = log(rig);
        assertEquals(2, log.size());
        assertEquals(Vectors.DB, log.get(0)[0]);
        assertEquals(rig.reg(Cpu.RDI), log.get(0)[1], "at the #BP handler's first instruction");
        assertEquals(0xFFFF0FF2L, log.get(0)[3], "B1");
        assertEquals(Vectors.BP, log.get(1)[0]);
        assertEquals(rig.reg(Cpu.RSI), log.get(1)[1]);
    }

    @Test
    void watchpointOnMovSsMergesIntoIcebp() {
        // kvm-unit-tests debug "MOV SS + watchpoint + ICEBP": one #DB in all.
        CpuRig rig = run("""
                mov eax, ssval
                mov dr1, eax
                mov eax, 0x00700408
                mov dr7, eax
                mov ss, [ssval]
                db 0xF1
            w1: xor eax, eax
                mov dr7, eax
                mov esi, w1
                """);
        List<long[]> log = log(rig);
        assertEquals(1, log.size());
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1]);
    }

    @Test
    void aFaultAfterMovSsDropsTheHeldBackSingleStep() {
        CpuRig rig = run("""
                xor eax, eax
                mov dr6, eax
                mov byte [cleartf], 0
                pushfd
                or dword [esp], 0x100
                popfd
                mov ss, [ssval]
            m1: mov ds, [sel]
            m2: mov byte [cleartf], 1
            m3: mov esi, m1
                mov edi, m2
                mov ebp, m3
                """);
        List<long[]> log = log(rig);
        assertEquals(3, log.size(), "no #DB inside the #GP handler");
        assertEquals(Vectors.GP, log.get(0)[0]);
        assertEquals(rig.reg(Cpu.RSI), log.get(0)[1]);
        assertEquals(rig.reg(Cpu.RDI), log.get(1)[1], "single-step after MOV DS ran again");
        assertEquals(0xFFFF4FF0L, log.get(1)[3]);
        assertEquals(rig.reg(Cpu.RBP), log.get(2)[1]);
    }

    @Test
    void aRepeatedStringInstructionBreaksOnceThoughItRestartsInChunks() {
        // SDM 18.3.1.1: RF is 1 in EFLAGS while a REP string instruction is between
        // iterations, so its breakpoint fires only before the first one.
        CpuRig rig = run("""
                mov eax, brk
                mov dr0, eax
                mov eax, 0x401
                mov dr7, eax
                mov byte [setrf], 1
                mov esi, 0x10000
                mov edi, 0x20000
                mov ecx, 10000
                cld
            brk: rep movsb
                xor eax, eax
                mov dr7, eax
                """);
        assertEquals(1, log(rig).size(), "one #DB, though the instruction restarts every " + StringOps.CHUNK + " iterations");
        assertEquals(0, rig.reg(Cpu.RCX));
        assertEquals(0x20000 + 10000, rig.reg(Cpu.RDI));
    }

    @Test
    void icebpIgnoresTheGateDplThatInt3Obeys() {
        // SDM INT n/INTO/INT3/INT1: the gate-DPL check applies to INT n, INT3 and INTO, not INT1.
        // Ring 3 runs ICEBP, then INT3, both through DPL-0 gates: #DB, then #GP(3 * 8 + 2).
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(IdtPrelude.long64() + """
                GATE 1, db
                GATE 13, gp
                mov rsi, 0x500
                mov rdi, 0x600
                mov ecx, 4
                rep movsq
                mov rax, 0x00CFF2000000FFFF
                mov [0x620], rax
                mov rax, 0x00AFFA000000FFFF
                mov [0x628], rax
                mov qword [0x630], 0x67
                mov word [0x632], 0x700
                mov byte [0x635], 0x89
                mov qword [0x638], 0
                mov qword [0x704], 0x70000
                mov word [0x2F00], 0x3F
                mov qword [0x2F02], 0x600
                lgdt [0x2F00]
                mov ax, 0x30
                ltr ax
                xor ebx, ebx
                xor edx, edx
                push 0x23
                push 0x60000
                push 2
                push 0x2B
                lea rax, [rel user]
                push rax
                iretq
            user:
                db 0xF1
                int3
                jmp $
            db:
                mov rbx, [rsp + 8]
                iretq
            gp:
                mov rdx, [rsp]
                hlt
                """)).run();
        assertEquals(0x2B, rig.reg(Cpu.RBX), "#DB from ring 3 through a DPL-0 gate");
        assertEquals(3 * 8 + 2, rig.reg(Cpu.RDX), "INT3 from ring 3 through a DPL-0 gate: #GP(IDT entry 3)");
    }

    @Test
    void noSingleStepTrapAfterASyscallWhoseMaskClearsTf() {
        // kvm-unit-tests syscall "syscall TF handling": #DB only if TF is 1 at the end of SYSCALL.
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(IdtPrelude.long64() + """
                GATE 1, db
                mov rax, 0x00CF92000000FFFF
                mov [0x520], rax
                mov word [0x2F00], 39
                mov qword [0x2F02], 0x500
                lgdt [0x2F00]
                mov ecx, 0xC0000081
                xor eax, eax
                mov edx, 0x18
                wrmsr
                mov ecx, 0xC0000082
                lea rax, [rel target]
                xor edx, edx
                wrmsr
                mov ecx, 0xC0000084
                mov eax, 0x100
                wrmsr
                xor esi, esi
                xor edi, edi
                pushfq
                or qword [rsp], 0x100
                popfq
                syscall
            target:
                mov esi, 1
                hlt
            db:
                mov rdi, [rsp]
                and qword [rsp + 16], ~0x100
                iretq
                """)).run();
        assertEquals(1, rig.reg(Cpu.RSI), "the SYSCALL target ran");
        assertEquals(0, rig.reg(Cpu.RDI), "no #DB");
    }
}
