package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Virtual-8086 mode (SDM Vol. 3B chapter 20, Vol. 2A IRET and INT n): entered by IRETD at
 * CPL 0, segment loads as in real mode, the IOPL-sensitive instructions, the I/O permission
 * bitmap, and interrupts and exceptions taken to a ring-0 handler through a 386 gate. The
 * handler logs the frame it finds at 0x9000 (ten dwords from ESP), its own DS, ES, FS and GS
 * at 0x9040, its ESP at 0x9050 and its EFLAGS at 0x9054. Test thread only.
 */
class Virtual8086Test {
    private static final long LOG = 0x9000;

    private static String program(int eflags, String body) {
        return program(eflags, "", body);
    }

    /** {@code setup} runs at CPL 0 just before the IRETD into virtual-8086 mode. */
    private static String program(int eflags, String setup, String body) {
        return IdtPrelude.prot32() + """
                lgdt [gdt_desc]
                mov ax, 0x28
                ltr ax
                GATE 13, handler
                GATE 0x30, handler
                mov byte [0x3000 + 0x30 * 8 + 5], 0xEE
                mov dword [tss + 4], 0x70000
                mov dword [tss + 8], 0x10
                mov word [tss + 0x66], 0x68
                mov dword [0x9060], fault_here - 0x1000
                SETUP
                push dword 0x0500
                push dword 0x0400
                push dword 0x0300
                push dword 0x0200
                push dword 0x0600
                push dword 0x0FFE
                push dword EFLAGS
                push dword 0x0100
                push dword v86code - 0x1000
                iretd
            BITS 16
            v86code:
                mov ax, 0x0700
                mov es, ax
                mov word [es:0x10], 0xBEEF
                BODY
                hlt
            BITS 32
            handler:
                mov [ss:0x9040], ds
                mov [ss:0x9044], es
                mov [ss:0x9048], fs
                mov [ss:0x904C], gs
                mov [ss:0x9050], esp
                pushfd
                pop dword [ss:0x9054]
                mov ax, 0x10
                mov ds, ax
                mov es, ax
                mov esi, esp
                mov edi, 0x9000
                mov ecx, 10
                cld
                rep movsd
                hlt
            align 8
            gdt:
                dq 0
                dq 0x00CF9A000000FFFF
                dq 0x00CF92000000FFFF
                dq 0x00CFFA000000FFFF
                dq 0x00CFF2000000FFFF
                dw 0x68 + 33 - 1
                dw tss
                db 0
                db 0x89
                db 0
                db 0
            gdt_end:
            gdt_desc:
                dw gdt_end - gdt - 1
                dd gdt
            align 16
            tss:
                times 0x68 db 0
                times 29 db 0xFF
                db 0xFD
                times 3 db 0xFF
            """.replace("EFLAGS", Integer.toString(eflags)).replace("SETUP", setup).replace("BODY", body);
    }

    private static CpuRig run(int eflags, String body) {
        return new CpuRig().prot32(CpuRig.nasm(program(eflags, body))).run();
    }

    private static long log(CpuRig rig, int index) {
        return rig.mem.read(LOG + 4L * index, 4);
    }

    @Test
    void interruptFromV86PushesTheV86SegmentsOnTheRing0StackAndNullsThem() {
        CpuRig rig = run(0x23002, "mov bx, 0x1234\nint 0x30\nfault_here:");
        assertEquals(0xBEEF, rig.mem.read(0x7010, 2), "ES loaded as in real mode: base 0x700 * 16");
        assertEquals(0x1234, rig.reg(Cpu.RBX) & 0xFFFF);
        assertEquals(0x70000 - 36, log(rig, 0x50 / 4), "nine dwords on the ring-0 stack from TSS.ESP0");
        assertEquals(log(rig, 0x60 / 4), log(rig, 0), "EIP after INT n");
        assertEquals(0x0100, log(rig, 1), "CS");
        assertEquals(0x23002, log(rig, 2) & 0x3FFFFF, "EFLAGS with VM and IOPL 3");
        assertEquals(0x0FFE, log(rig, 3), "ESP");
        assertEquals(0x0600, log(rig, 4), "SS");
        assertEquals(0x0700, log(rig, 5), "ES as the V86 code loaded it");
        assertEquals(0x0300, log(rig, 6), "DS");
        assertEquals(0x0400, log(rig, 7), "FS");
        assertEquals(0x0500, log(rig, 8), "GS");
        for (int k = 0; k < 4; k++) {
            assertEquals(0, log(rig, 0x40 / 4 + k) & 0xFFFF, "data segment register " + k + " is null in the handler");
        }
        assertEquals(0, log(rig, 0x54 / 4) & (Eflags.VM | Eflags.IF | Eflags.TF | Eflags.NT), "VM, IF, TF, NT cleared");
        assertEquals(0, rig.cpu.cpl);
    }

    private static void assertGpAtFaultHere(CpuRig rig) {
        assertEquals(0x70000 - 40, log(rig, 0x50 / 4), "error code and the nine-dword V86 frame");
        assertEquals(0, log(rig, 0), "#GP(0)");
        assertEquals(log(rig, 0x60 / 4), log(rig, 1), "EIP of the faulting instruction");
        assertEquals(0x0100, log(rig, 2), "CS");
        assertEquals(Eflags.VM, log(rig, 3) & Eflags.VM, "EFLAGS.VM in the image");
    }

    @Test
    void ioplSensitiveInstructionsRaiseGpUnderIoplZero() {
        for (String insn : new String[] {"cli", "sti", "pushf", "popf", "pushfd", "popfd", "int 0x30", "iret"}) {
            CpuRig rig = run(0x20002, "fault_here:\n" + insn);
            assertGpAtFaultHere(rig);
        }
    }

    @Test
    void ioplThreeLetsCliStiPushfPopfRunInV86() {
        CpuRig rig = run(0x23202, "cli\npushf\npop dx\nsti\npushf\npopf\nint 0x30\nfault_here:");
        assertEquals(0x3002, rig.reg(Cpu.RDX) & 0xFFFF, "PUSHF: IF clear after CLI, IOPL 3");
        assertEquals(0x23202, log(rig, 2) & 0x3FFFFF, "IF set again by STI");
    }

    @Test
    void portIoInV86IsCheckedAgainstTheTssBitmapWhateverTheIopl() {
        CpuRig rig = run(0x23002, "in al, 0xE9\nmov bl, al\nfault_here:\nin al, 0x80");
        assertEquals(0xE9, rig.reg(Cpu.RBX) & 0xFF, "port 0xE9 is clear in the bitmap");
        assertGpAtFaultHere(rig);
    }

    @Test
    void interruptFromV86ToANonZeroPrivilegeHandlerIsGpWithTheSelector() {
        String body = "fault_here:\nint 0x31";
        String setup = "GATE 0x31, handler\nmov word [0x3000 + 0x31 * 8 + 2], 0x18\nmov byte [0x3000 + 0x31 * 8 + 5], 0xEE";
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(program(0x23002, body).replace("GATE 0x30, handler\n", setup + "\n"))).run();
        assertEquals(0x18, log(rig, 0), "#GP(code segment selector): the gate's target is ring 3");
        assertEquals(log(rig, 0x60 / 4), log(rig, 1));
    }

    private static final String VME = "mov eax, cr4\nor eax, 1\nmov cr4, eax";

    private static CpuRig runVme(int eflags, String setup, String body) {
        return new CpuRig().prot32(CpuRig.nasm(program(eflags, VME + "\n" + setup, body))).run();
    }

    @Test
    void vmeMakesCliStiAndSixteenBitPushfWorkOnVifUnderIoplZero() {
        // SDM Vol. 3B 20.4 and the CLI, STI and PUSHF pseudocode: with CR4.VME and IOPL < 3, CLI
        // and STI change VIF, PUSHF pushes FLAGS with IF taken from VIF and IOPL as 3; PUSHFD
        // is still #GP(0).
        CpuRig rig = runVme(0x20002, "", "sti\npushf\npop dx\ncli\npushf\npop bx\nfault_here:\npushfd");
        assertEquals(0x3202, rig.reg(Cpu.RDX) & 0xFFFF, "IF = VIF = 1 after STI, IOPL 3 in the image");
        assertEquals(0x3002, rig.reg(Cpu.RBX) & 0xFFFF, "IF = VIF = 0 after CLI");
        assertGpAtFaultHere(rig);
        assertEquals(Eflags.VM, log(rig, 3) & (Eflags.VM | Eflags.IF | Eflags.VIF | Eflags.IOPL), "the real IF untouched, VIF clear, IOPL 0");
    }

    @Test
    void vmePopfAndStiRaiseGpWhenTheyWouldEnableInterruptsWithVipSet() {
        CpuRig rig = runVme(0x120002, "", "fault_here:\nsti");
        assertGpAtFaultHere(rig);
        rig = runVme(0x120002, "", "push word 0x0202\nfault_here:\npopf");
        assertGpAtFaultHere(rig);
        rig = runVme(0x20002, "", "push word 0x0202\npopf\npushf\npop dx\npush word 0x0102\nfault_here:\npopf");
        assertEquals(0x3202, rig.reg(Cpu.RDX) & 0xFFFF, "POPF without VIP moves IF to VIF");
        assertGpAtFaultHere(rig);
        assertEquals(Eflags.VIF, log(rig, 3) & (Eflags.VIF | Eflags.IF | Eflags.TF), "a popped TF is #GP; VIF kept");
    }

    @Test
    void vmeRedirectsIntNThroughTheV86VectorTableWhenItsBitmapBitIsClear() {
        // SDM Vol. 3B Table 20-2, method 6 (VME, IOPL < 3, redirection bit clear): FLAGS (IF from
        // VIF, IOPL 3), CS and IP are pushed on the V86 stack, VIF and TF are cleared, and the
        // handler is the one at 4 * n in the V86 program's address space.
        String setup = "mov dword [0x31 * 4], (0x100 << 16) + v86h - 0x1000";
        String body = "sti\nint 0x31\nafter_int:\njmp $\nv86h:\nmov bp, sp\nmov bx, [bp + 4]\nmov dx, [bp]\n"
                + "mov bp, [bp + 2]\nfault_here:\nhlt";
        CpuRig rig = runVme(0x20002, setup + "\nmov dword [0x9064], after_int - 0x1000", body);
        assertEquals(0x3202, rig.reg(Cpu.RBX) & 0xFFFF, "pushed FLAGS: IF from VIF, IOPL 3");
        assertEquals(log(rig, 0x64 / 4), rig.reg(Cpu.RDX) & 0xFFFF, "pushed IP: after the INT");
        assertEquals(0x0100, rig.reg(Cpu.RBP) & 0xFFFF, "pushed CS");
        assertGpAtFaultHere(rig);
        assertEquals(0, log(rig, 3) & (Eflags.VIF | Eflags.TF | Eflags.IF), "VIF and TF cleared, IF untouched");
    }

    @Test
    void vmeSendsIntNWithItsBitmapBitSetToGpUnderIoplZero() {
        // The redirection bitmap is the 32 bytes below the I/O map base (0x68): vector 0x30 is
        // bit 0 of TSS byte 0x48 + 6.
        CpuRig rig = runVme(0x20002, "or byte [tss + 0x48 + 6], 1", "fault_here:\nint 0x30");
        assertGpAtFaultHere(rig);
    }

    @Test
    void pviMakesCliAndStiWorkOnVifAtCpl3InProtectedMode() {
        // SDM Vol. 3B 20.4 and the CLI/STI pseudocode: with CR4.PVI, CPL 3 and IOPL < 3, STI
        // sets VIF and CLI clears it instead of raising #GP; IF is untouched.
        String setup = """
                mov eax, cr4
                or eax, 2
                mov cr4, eax
                mov dword [0x9060], pvi_fault
                push dword 0x23
                push dword 0x7000
                push dword 2
                push dword 0x1B
                push dword pvi_user
                iretd
            pvi_user:
                sti
                pushfd
                pop edx
                cli
                pushfd
                pop ebx
            pvi_fault:
                hlt
            """;
        String pvi = program(0x2, setup, "fault_here:\nhlt");
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(pvi)).run();
        assertEquals(Eflags.VIF, rig.reg(Cpu.RDX) & (Eflags.VIF | Eflags.IF), "STI set VIF, not IF");
        assertEquals(0, rig.reg(Cpu.RBX) & (Eflags.VIF | Eflags.IF), "CLI cleared VIF");
        assertEquals(0, log(rig, 0), "HLT at CPL 3 is #GP(0)");
        assertEquals(log(rig, 0x60 / 4), log(rig, 1));
    }
}
