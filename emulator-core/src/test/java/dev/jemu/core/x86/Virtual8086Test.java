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
            """.replace("EFLAGS", Integer.toString(eflags)).replace("BODY", body);
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
}
