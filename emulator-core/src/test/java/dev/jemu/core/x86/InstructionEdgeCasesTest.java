package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Instructions whose corner cases the public conformance suites found wrong: POP to a segment
 * register across stack sizes, SALC, and SYSCALL from compatibility mode. Expected values are
 * from the Intel SDM / AMD APM pseudocode, or QEMU 7.2 TCG where the manuals say nothing.
 */
class InstructionEdgeCasesTest {
    /** GDT at 0x500 with 0x08 flat 32-bit code, 0x10 flat 32-bit data, 0x18 16-bit data (base 0, limit 64 KiB). */
    private static final String GDT16 = """
            mov dword [0x500], 0
            mov dword [0x504], 0
            mov dword [0x508], 0x0000FFFF
            mov dword [0x50C], 0x00CF9A00
            mov dword [0x510], 0x0000FFFF
            mov dword [0x514], 0x00CF9200
            mov dword [0x518], 0x0000FFFF
            mov dword [0x51C], 0x00009200
            mov word [0x5F0], 31
            mov dword [0x5F2], 0x500
            lgdt [0x5F0]
            """;

    @Test
    void enterWithA32BitOperandOnASixteenBitStackWritesBpOnly() {
        // With a 16-bit stack the pushes move SP only (ESP[31:16] kept), and the frame pointer
        // is the whole ESP after the push of EBP, written to EBP and pushed as the last
        // nesting entry (QEMU 7.2; test386's testENTER16, validated on a 386, checks the same).
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + GDT16 + """
                mov ax, 0x18
                mov ss, ax
                mov esp, 0x10000
                mov ebp, 0x1FFEC
                o32 enter 8, 1
                hlt
                """)).run();
        assertEquals(0x1FFFC, rig.reg(Cpu.RBP), "EBP = ESP after the push of EBP");
        assertEquals(0x1FFF0, rig.reg(Cpu.RSP), "SP = FrameTemp - 4 - 8; ESP[31:16] kept");
        assertEquals(0x1FFEC, rig.mem.read(0xFFFC, 4), "old EBP pushed as a dword at SS:FFFC");
        assertEquals(0x1FFFC, rig.mem.read(0xFFF8, 4), "the frame pointer pushed as a dword at SS:FFF8");
    }

    @Test
    void enterFaultsWhenTheFinalStackPointerCannotBeWrittenAndLeavesEspAlone() {
        // SDM ENTER: #PF "if a page fault occurs": the frame is probed at the final stack
        // pointer; the fault is a fault, so ESP is as it was before the instruction.
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + """
                GATE 14, pf
                mov edi, 0x20000
                mov ecx, 1024
                xor eax, eax
                rep stosd
                mov dword [0x20000], 0x21003
                mov edi, 0x21000
                mov eax, 3
                mov ecx, 1024
            fill:
                mov [edi], eax
                add eax, 0x1000
                add edi, 4
                loop fill
                mov dword [0x21000 + 0x40 * 4], 0x40001
                mov eax, 0x20000
                mov cr3, eax
                mov eax, cr0
                or eax, 0x80010000
                mov cr0, eax
                mov esp, 0x41010
                mov ebp, 0x1234
            here:
                enter 0x20, 0
                hlt
            pf:
                pop eax
                mov [0x9000], eax
                pop eax
                mov [0x9004], eax
                mov [0x9008], esp
                mov eax, here
                mov [0x900C], eax
                hlt
                """)).run();
        assertEquals(3, rig.mem.read(0x9000, 4), "#PF: write to a read-only page (CR0.WP)");
        assertEquals(rig.mem.read(0x900C, 4), rig.mem.read(0x9004, 4), "EIP of the ENTER");
        assertEquals(0x41010 - 8, rig.mem.read(0x9008, 4), "ESP before the ENTER, less EFLAGS and CS");
        assertEquals(0x4100C - 0x20, rig.cpu.cr2, "CR2: the final stack pointer");
        assertEquals(0x1234, rig.reg(Cpu.RBP), "EBP unchanged");
    }

    @Test
    void popSsOnASixteenBitStackMovesSpByTheOldStackSize() {
        // SDM POP: "IF StackAddrSize = 16 THEN SP <- SP + 4" for a 32-bit operand; the upper
        // half of ESP is kept. StackAddrSize is the B bit of the SS in force before the POP.
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + GDT16 + """
                mov ax, 0x18
                mov ss, ax
                mov esp, 0x2FFFC
                mov dword [0xFFFC], 0x10
                pop ss
                mov esi, esp
                mov ax, 0x10
                mov ss, ax
                mov esp, 0x1FFFC
                mov dword [0x1FFFC], 0x18
                pop ss
                mov edi, esp
                hlt
                """)).run();
        assertEquals(0x20000, rig.reg(Cpu.RSI), "16-bit stack: SP wraps from 0xFFFC to 0, ESP[31:16] kept");
        assertEquals(0x20000, rig.reg(Cpu.RDI), "32-bit stack: ESP + 4 although the new SS is 16-bit");
        assertEquals(0x18, rig.cpu.segs[Cpu.SS].selector);
    }

    @Test
    void popDsWithSixteenBitOperandOnThirtyTwoBitStack() {
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + GDT16 + """
                mov esp, 0x1FFFE
                mov word [0x1FFFE], 0x18
                o16 pop ds
                hlt
                """)).run();
        assertEquals(0x20000, rig.reg(Cpu.RSP), "ESP + 2 on a 32-bit stack");
        assertEquals(0x18, rig.cpu.segs[Cpu.DS].selector);
    }

    @Test
    void salcCopiesCarryIntoAlWithoutChangingFlags() {
        // SALC (D6): AL = CF ? 0xFF : 0, flags unchanged (QEMU 7.2 TCG; undocumented by Intel).
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + """
                mov eax, 0x12345678
                stc
                db 0xD6
                mov ebx, eax
                mov eax, 0x12345678
                clc
                db 0xD6
                pushfd
                pop ecx
                hlt
                """)).run();
        assertEquals(0x123456FF, rig.reg(Cpu.RBX), "CF=1: AL = FF, the rest of EAX kept");
        assertEquals(0x12345600, rig.reg(Cpu.RAX), "CF=0: AL = 0");
        assertEquals(0, rig.reg(Cpu.RCX) & Eflags.CF, "CF unchanged (still clear)");
    }

    @Test
    void salcInRealMode() {
        CpuRig rig = new CpuRig().real(CpuRig.nasm("""
                BITS 16
                ORG 0x1000
                mov ax, 0x1234
                stc
                db 0xD6
                hlt
                """)).run();
        assertEquals(0x12FF, rig.reg(Cpu.RAX));
        assertEquals(Eflags.CF, rig.flags() & Eflags.CF);
    }

    @Test
    void salcIsInvalidInSixtyFourBitMode() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(IdtPrelude.long64() + """
                GATE 6, ud
                mov eax, 0x1234
                stc
            salc:
                db 0xD6
                hlt
            ud:
                mov rbx, [rsp]
                lea rcx, [rel salc]
                hlt
                """)).run();
        assertEquals(0x1234, rig.reg(Cpu.RAX), "AL unchanged");
        assertEquals(rig.reg(Cpu.RCX), rig.reg(Cpu.RBX), "#UD at the D6 byte");
    }

    @Test
    void syscallFromCompatibilityModeEntersAtCstar() {
        // AMD APM SYSCALL: in long mode, RIP = LSTAR from 64-bit mode, CSTAR from compatibility mode.
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(IdtPrelude.long64() + """
                mov ecx, 0xC0000081
                xor eax, eax
                mov edx, 0x18
                wrmsr
                mov ecx, 0xC0000082
                lea rax, [rel from64]
                xor edx, edx
                wrmsr
                mov ecx, 0xC0000083
                lea rax, [rel fromCompat]
                wrmsr
                push 0x08
                lea rax, [rel compat]
                push rax
                retfq
            BITS 32
            compat:
                syscall
            after:
                hlt
            BITS 64
            from64:
                mov esi, 64
                hlt
            fromCompat:
                mov esi, 32
                mov rdi, rcx
                hlt
                """)).run();
        assertEquals(32, rig.reg(Cpu.RSI), "entered at CSTAR");
        assertEquals(0x18, rig.cpu.segs[Cpu.CS].selector);
        assertEquals(true, rig.cpu.code64, "SYSCALL always enters 64-bit mode");
        assertEquals(0xF4, rig.mem.read(rig.reg(Cpu.RDI), 1), "RCX = the instruction after SYSCALL (the HLT)");
    }

    @Test
    void larLslVerrVerwRaiseThePageFaultOfReadingTheDescriptor() {
        // SDM LAR/LSL/VERR/VERW: "#PF(fault-code) If a page fault occurs"; a descriptor-table
        // read is a supervisor access, so the error code is 0 (not present, read, supervisor).
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(IdtPrelude.long64() + """
                GATE 14, pf
                mov rsi, 0x500
                mov rdi, 0x1FF000
                mov ecx, 4
                rep movsq
                mov word [0x2F00], 0x1FFF
                mov qword [0x2F02], 0x1FF000
                lgdt [0x2F00]
                mov qword [0x102008], 0
                invlpg [0x200000]
                xor esi, esi
                mov ecx, 0x1008
                lea rax, [rel t2]
                mov [0x2F80], rax
                lar eax, ecx
            t2: lea rax, [rel t3]
                mov [0x2F80], rax
                lsl eax, ecx
            t3: lea rax, [rel t4]
                mov [0x2F80], rax
                verr cx
            t4: lea rax, [rel t5]
                mov [0x2F80], rax
                verw cx
            t5: mov ecx, 0x2008
                lar eax, ecx
                setnz bl
                hlt
            pf:
                pop rax
                mov [0x4000 + rsi * 8], rax
                mov rax, cr2
                mov [0x4100 + rsi * 8], rax
                inc esi
                mov rax, [0x2F80]
                mov [rsp], rax
                iretq
                """)).run();
        assertEquals(4, rig.reg(Cpu.RSI), "each of the four raised #PF");
        for (int k = 0; k < 4; k++) {
            assertEquals(0, rig.mem.read(0x4000 + 8L * k, 8), "error code");
            assertEquals(0x200008, rig.mem.read(0x4100 + 8L * k, 8), "CR2 = the descriptor's address");
        }
        assertEquals(1, rig.reg(Cpu.RBX) & 0xFF, "a selector past the GDT limit clears ZF, no fault");
    }
}
