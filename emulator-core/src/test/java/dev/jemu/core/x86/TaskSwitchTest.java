package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Hardware task switches (SDM Vol. 3A 7.3 and Table 7-2) between two 32-bit TSSs: task A
 * (selector 0x18, the current task) and task B (0x20), with a task gate to B at 0x28. Task B
 * logs at 0x9000 what it finds (EFLAGS, TR, its back link, the access bytes of both TSS
 * descriptors, CR0, EAX, the top of its stack); back in task A the same at 0x9020. Fault
 * handlers (interrupt gates) log their error code at 0x9040 and EIP at 0x9044. Test thread only.
 */
class TaskSwitchTest {
    private static final long LOG = 0x9000;

    private static CpuRig run(String setup, String taskBEnd) {
        return new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + """
                lgdt [gdt_desc]
                mov ax, 0x18
                ltr ax
                GATE 1, fault_noerr
                GATE 10, fault
                GATE 13, fault
                mov dword [tssB + 0x20], taskB
                mov dword [tssB + 0x24], 0x2
                mov dword [tssB + 0x28], 0x1111
                mov dword [tssB + 0x38], 0x60000
                mov word [tssB + 0x48], 0x10
                mov word [tssB + 0x4C], 0x08
                mov word [tssB + 0x50], 0x10
                mov word [tssB + 0x54], 0x10
                mov word [tssB + 0x58], 0x10
                mov word [tssB + 0x5C], 0x10
                mov dword [0x904C], tssA
                mov eax, 0xAAAA
            """ + setup + """

                mov [0x9020], eax
                str ax
                mov [0x9024], ax
                mov al, [gdt + 0x18 + 5]
                mov [0x9028], al
                mov al, [gdt + 0x20 + 5]
                mov [0x902C], al
                pushfd
                pop dword [0x9030]
                hlt
            taskB:
                mov [0x9018], eax
                pushfd
                pop dword [0x9000]
                str ax
                mov [0x9004], ax
                mov ax, [tssB]
                mov [0x9008], ax
                mov al, [gdt + 0x18 + 5]
                mov [0x900C], al
                mov al, [gdt + 0x20 + 5]
                mov [0x9010], al
                mov eax, cr0
                mov [0x9014], eax
                mov eax, [esp]
                mov [0x901C], eax
            """ + taskBEnd + """

            fault:
                pop dword [0x9040]
            fault_noerr:
                pop dword [0x9044]
                hlt
            align 8
            gdt:
                dq 0
                dq 0x00CF9A000000FFFF
                dq 0x00CF92000000FFFF
                dw 0x67, tssA
                db 0, 0x89, 0, 0
                dw 0x67, tssB
                db 0, 0x89, 0, 0
                dw 0, 0x20
                db 0, 0x85, 0, 0
            gdt_end:
            gdt_desc:
                dw gdt_end - gdt - 1
                dd gdt
            align 16
            tssA: times 104 db 0
            tssB: times 104 db 0
            """)).run();
    }

    private static long log(CpuRig rig, int offset) {
        return rig.mem.read(LOG + offset, 4);
    }

    @Test
    void callToATssNestsTheTaskAndIretReturnsThroughTheBackLink() {
        CpuRig rig = run("call 0x20:0", "iretd");
        assertEquals(0x1111, log(rig, 0x18), "EAX loaded from TSS B");
        assertEquals(Eflags.NT, log(rig, 0x00) & Eflags.NT, "NT set in the called task");
        assertEquals(0x20, log(rig, 0x04) & 0xFFFF, "TR = TSS B");
        assertEquals(0x18, log(rig, 0x08) & 0xFFFF, "back link = TSS A");
        assertEquals(0x8B, log(rig, 0x0C) & 0xFF, "TSS A stays busy");
        assertEquals(0x8B, log(rig, 0x10) & 0xFF, "TSS B busy");
        assertEquals(Cpu.CR0_TS, log(rig, 0x14) & Cpu.CR0_TS, "CR0.TS set by the switch");
        assertEquals(0xAAAA, log(rig, 0x20), "EAX restored from TSS A by IRET");
        assertEquals(0x18, log(rig, 0x24) & 0xFFFF, "TR = TSS A again");
        assertEquals(0x8B, log(rig, 0x28) & 0xFF, "TSS A busy");
        assertEquals(0x89, log(rig, 0x2C) & 0xFF, "IRET cleared TSS B's busy bit");
        assertEquals(0, log(rig, 0x30) & Eflags.NT, "NT clear in task A");
    }

    @Test
    void jmpToATaskGateSwitchesWithoutNesting() {
        CpuRig rig = run("jmp 0x28:0", "hlt");
        assertEquals(0x1111, log(rig, 0x18));
        assertEquals(0, log(rig, 0x00) & Eflags.NT, "JMP does not set NT");
        assertEquals(0, log(rig, 0x08) & 0xFFFF, "no back link written");
        assertEquals(0x89, log(rig, 0x0C) & 0xFF, "JMP cleared TSS A's busy bit");
        assertEquals(0x8B, log(rig, 0x10) & 0xFF, "TSS B busy");
        assertEquals(0x20, rig.cpu.tr.selector);
    }

    @Test
    void exceptionThroughAnIdtTaskGatePushesItsErrorCodeOnTheNewTasksStack() {
        CpuRig rig = run("""
                mov dword [0x3000 + 13 * 8], 0x00200000
                mov dword [0x3000 + 13 * 8 + 4], 0x00008500
                mov dword [0x9048], fault_insn
                mov bx, 0x1234
            fault_insn:
                mov ds, bx
                """, "iretd");
        assertEquals(0x1234, log(rig, 0x1C), "#GP(0x1234): the selector, TI set, RPL bits clear, on task B's stack");
        assertEquals(log(rig, 0x48), rig.mem.read(log(rig, 0x4C) + 0x20, 4), "TSS A saved the EIP of the faulting MOV");
        assertEquals(Eflags.NT, log(rig, 0x00) & Eflags.NT, "an interrupt nests the task");
        assertEquals(0x18, log(rig, 0x08) & 0xFFFF, "back link = TSS A");
    }

    @Test
    void switchingToABusyTssIsGpWithItsSelector() {
        CpuRig rig = run("jmp 0x18:0", "hlt");
        assertEquals(0x18, log(rig, 0x40), "#GP(0x18): TSS A is busy");
    }

    @Test
    void aTssLimitBelow0x67IsTsWithItsSelector() {
        CpuRig rig = run("mov byte [gdt + 0x20], 0x50\ncall 0x20:0", "hlt");
        assertEquals(0x20, log(rig, 0x40), "#TS(0x20)");
    }

    @Test
    void theTrapBitOfTheNewTssRaisesDbWithBtBeforeItsFirstInstruction() {
        CpuRig rig = run("mov word [tssB + 0x64], 1\nmov dword [0x9048], taskB\njmp 0x20:0", "hlt");
        assertEquals(0x1111, rig.reg(Cpu.RAX), "the handler runs in task B");
        assertEquals(log(rig, 0x48), log(rig, 0x44), "#DB's EIP: task B's first instruction, not yet run");
        assertEquals(0x8000, rig.cpu.dr[6] & 0x8000, "DR6.BT");
    }
}
