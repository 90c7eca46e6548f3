package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoded instructions are reused only while their bytes, their decode mode and their
 * physical location are unchanged: each test runs code once (so it is cached), changes one
 * of those, and runs it again.
 */
class CodeCacheTest {
    @Test
    void runsAnInstructionAgainAfterTheGuestRewroteIt() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                xor ebx, ebx
                mov ecx, 3
            again:
            patch:
                mov eax, 1
                add ebx, eax
                mov dword [rel patch + 1], 100
                dec ecx
                jnz again
                hlt
            """)).run();
        assertEquals(201, rig.reg(Cpu.RBX));
    }

    @Test
    void seesCodeWrittenThroughTheMemoryApiBetweenRuns() {
        CpuRig rig = new CpuRig().prot32(CpuRig.bytes(0xB8, 1, 0, 0, 0, 0xF4)).run();
        assertEquals(1, rig.reg(Cpu.RAX));
        rig.load(CpuRig.CODE + 1, CpuRig.bytes(7));
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(7, rig.reg(Cpu.RAX));
    }

    @Test
    void decodesTheSameBytesAgainWhenTheCodeSegmentBecomes16Bit() {
        // 32-bit: mov eax, 0x1234; hlt.  16-bit: mov ax, 0x1234; add [bx+si], al; hlt.
        CpuRig rig = new CpuRig().prot32(CpuRig.bytes(0xB8, 0x34, 0x12, 0, 0, 0xF4)).run();
        assertEquals(0x1234, rig.reg(Cpu.RAX));
        rig.cpu.segs[Cpu.CS].set(0x08, 0, 0xFFFF, 0x9B);
        rig.cpu.updateMode();
        rig.cpu.regs[Cpu.RAX] = 0xFFFF_0000L;
        rig.cpu.regs[Cpu.RBX] = 0x2000;
        rig.cpu.regs[Cpu.RSI] = 0;
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(0xFFFF_1234L, rig.reg(Cpu.RAX));
        assertEquals(0x34, rig.mem.read(0x2000, 1));
    }

    @Test
    void followsALinearPageRemappedToOtherCode() {
        CpuRig rig = new CpuRig().long64(CpuRig.bytes(0xB8, 1, 0, 0, 0, 0xF4)).run();
        assertEquals(1, rig.reg(Cpu.RAX));
        rig.load(0x20_0000 + CpuRig.CODE, CpuRig.bytes(0xB8, 2, 0, 0, 0, 0xF4));
        rig.mem.write(0x102000, 0x20_0000 | 0x87, 8);
        rig.cpu.mmu.flush();
        restart(rig, CpuRig.CODE);
        rig.run();
        assertEquals(2, rig.reg(Cpu.RAX));
    }

    @Test
    void rereadsAnInstructionThatCrossesIntoARewrittenPage() {
        CpuRig rig = new CpuRig().prot32(CpuRig.bytes(0xF4));
        rig.load(0x1FFD, CpuRig.bytes(0xB8, 0x11, 0x22, 0x33, 0x44, 0xF4));
        restart(rig, 0x1FFD);
        rig.run();
        assertEquals(0x4433_2211L, rig.reg(Cpu.RAX));
        rig.load(0x2001, CpuRig.bytes(0x55));
        restart(rig, 0x1FFD);
        rig.run();
        assertEquals(0x5533_2211L, rig.reg(Cpu.RAX));
    }

    private static void restart(CpuRig rig, long rip) {
        rig.cpu.halted = false;
        rig.cpu.rip = rip;
    }

    @Test
    void aPageThatLeftTheCacheIsWrittenOnTheFastPathAgain() {
        // Code at 0x1000 runs, then code at 0x201000, which takes the same slot: the first
        // page holds no decoded code any more, so after one TLB fill its stores are fast.
        CpuRig rig = new CpuRig().long64(CpuRig.bytes(0xF4)).run();
        assertTrue(rig.ram.block().isCode(CpuRig.CODE));
        rig.load(0x20_1000, CpuRig.bytes(0xF4));
        restart(rig, 0x20_1000);
        rig.run();
        assertFalse(rig.ram.block().isCode(CpuRig.CODE));
        long before = rig.cpu.mmu.slowWrites();
        for (int k = 0; k < 100; k++) {
            rig.cpu.mmu.write(CpuRig.CODE + 8 * k, k, 8);
        }
        assertEquals(1, rig.cpu.mmu.slowWrites() - before, "stores through the slow path");
    }

    @Test
    void aNewCodePageKeepsTheWriteMappingsOfOtherPages() {
        CpuRig rig = new CpuRig().long64(CpuRig.bytes(0xF4)).run();
        rig.cpu.mmu.write(0x5000, 1, 8);
        long before = rig.cpu.mmu.slowWrites();
        rig.load(0x7000, CpuRig.bytes(0xF4));
        restart(rig, 0x7000);
        rig.run();
        assertTrue(rig.ram.block().isCode(0x7000));
        rig.cpu.mmu.write(0x5008, 2, 8);
        assertEquals(before, rig.cpu.mmu.slowWrites(), "the store to 0x5000's page stayed on the fast path");
        rig.cpu.mmu.write(0x7008, 3, 8);
        assertEquals(before + 1, rig.cpu.mmu.slowWrites(), "a store to the new code page takes the slow path");
        assertEquals(3, rig.mem.read(0x7008, 8));
    }
}
