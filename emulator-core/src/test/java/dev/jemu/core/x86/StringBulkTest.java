package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * REP MOVS and REP STOS over RAM: the bulk path is taken (the MMU's counter says so) and the
 * result is what the SDM's element-by-element definition gives — memory computed here from
 * the source pattern, RCX/RSI/RDI from the element counts — across pages, downward,
 * overlapping, at an address-size wrap, at a segment limit, with a page fault on the second
 * page and with an interrupt taken between two chunks of a long copy.
 */
class StringBulkTest {
    private static final int SRC = 0x10000;

    /** A pattern no two nearby bytes of which are equal: byte k is (k * 7 + k / 256) & 0xFF. */
    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) (k * 7 + k / 256);
        }
        return b;
    }

    private static byte[] read(CpuRig rig, long addr, int n) {
        byte[] b = new byte[n];
        rig.mem.readBytes(addr, b, 0, n);
        return b;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int k = 0; k + needle.length <= haystack.length; k++) {
            if (java.util.Arrays.equals(haystack, k, k + needle.length, needle, 0, needle.length)) {
                return k;
            }
        }
        throw new AssertionError("not assembled");
    }

    private static byte[] slice(byte[] b, int from, int n) {
        return java.util.Arrays.copyOfRange(b, from, from + n);
    }

    @Test
    void aForwardCopyAndFillAcrossPagesAreDoneInBulk() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                mov rsi, 0x10003
                mov rdi, 0x20001
                mov rcx, 0x2345
                rep movsb
                mov r8, rsi
                mov r9, rdi
                mov rdi, 0x30002
                mov eax, 0x11223344
                mov ecx, 0x900
                rep stosd
                hlt
            """));
        byte[] src = pattern(0x3000);
        rig.load(SRC, src);
        rig.run();
        assertArrayEquals(slice(src, 3, 0x2345), read(rig, 0x20001, 0x2345));
        assertEquals(0, rig.mem.read(0x20000, 1), "nothing written before the destination");
        assertEquals(0, rig.mem.read(0x20001 + 0x2345, 1), "nothing written after it");
        assertEquals(0x10003 + 0x2345, rig.reg(8));
        assertEquals(0x20001 + 0x2345, rig.reg(9));
        for (int k = 0; k < 0x900; k++) {
            assertEquals(0x11223344L, rig.mem.read(0x30002 + 4L * k, 4), "dword " + k);
        }
        assertEquals(0x30002 + 4 * 0x900, rig.reg(Cpu.RDI));
        assertEquals(0, rig.reg(Cpu.RCX));
        long runs = rig.cpu.mmu.bulkRuns();
        // The copy touches 3 source and 3 destination pages (at most 5 page-bounded runs,
        // each after at most one element on the element path); the fill 3 pages.
        assertTrue(runs >= 4 && runs <= 8, "bulk runs: " + runs);
    }

    @Test
    void aDownwardCopyOfQuadwordsGoesFromHighToLowAddresses() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                std
                mov rsi, 0x10000 + 8 * 700
                mov rdi, 0x28000 + 8 * 700
                mov ecx, 701
                rep movsq
                cld
                hlt
            """));
        byte[] src = pattern(0x3000);
        rig.load(SRC, src);
        rig.run();
        assertArrayEquals(slice(src, 0, 8 * 701), read(rig, 0x28000, 8 * 701));
        assertEquals(0x10000 - 8, rig.reg(Cpu.RSI));
        assertEquals(0x28000 - 8, rig.reg(Cpu.RDI));
        assertTrue(rig.cpu.mmu.bulkRuns() > 0, "bulk path taken");
    }

    @Test
    void anOverlapThatReplicatesDataTakesTheElementPathAndAMemmoveOverlapDoesNot() {
        CpuRig rig = new CpuRig().long64(CpuRig.nasm("""
            BITS 64
            ORG 0x1000
                mov rsi, 0x10000
                mov rdi, 0x10001
                mov ecx, 100
                rep movsb
                hlt
                mov rsi, 0x11003
                mov rdi, 0x11000
                mov ecx, 200
                rep movsw
                hlt
            """));
        byte[] src = pattern(0x3000);
        rig.load(SRC, src);
        rig.run();
        // Element by element, each byte copies the one just written: the first byte spreads.
        byte[] spread = new byte[101];
        java.util.Arrays.fill(spread, src[0]);
        assertArrayEquals(spread, read(rig, 0x10000, 101));
        assertEquals(0, rig.cpu.mmu.bulkRuns(), "no bulk run for a replicating overlap");
        rig.cpu.halted = false;
        rig.run();
        assertArrayEquals(slice(src, 0x1003, 400), read(rig, 0x11000, 400));
        assertTrue(rig.cpu.mmu.bulkRuns() > 0, "a copy to a lower address is a memmove: bulk");
    }

    @Test
    void sixteenBitAddressesWrapAroundInsideTheSegment() {
        CpuRig rig = new CpuRig().real(CpuRig.nasm("""
            BITS 16
            ORG 0x1000
                mov si, 0xFFF0
                mov di, 0x8000
                mov cx, 0x20
                rep movsb
                mov ax, 0x1000
                mov es, ax
                mov di, 0xFFFC
                mov ax, 0xABCD
                mov cx, 4
                rep stosw
                hlt
            """));
        byte[] low = pattern(16);
        byte[] high = slice(pattern(0x100), 0x40, 16);
        rig.load(0, low);
        rig.load(0xFFF0, high);
        rig.run();
        byte[] expected = new byte[32];
        System.arraycopy(high, 0, expected, 0, 16);
        System.arraycopy(low, 0, expected, 16, 16);
        assertArrayEquals(expected, read(rig, 0x8000, 32));
        assertEquals(0x10, rig.reg(Cpu.RSI) & 0xFFFF);
        assertEquals(0xABCD, rig.mem.read(0x1FFFC, 2));
        assertEquals(0xABCD, rig.mem.read(0x1FFFE, 2));
        assertEquals(0xABCD, rig.mem.read(0x10000, 2), "DI wrapped to ES:0000");
        assertEquals(0xABCD, rig.mem.read(0x10002, 2));
        assertEquals(0, rig.mem.read(0x20000, 2), "nothing past the 64 KiB segment");
        assertEquals(4, rig.reg(Cpu.RDI) & 0xFFFF);
    }

    @Test
    void aFillStopsAtTheSegmentLimitWithAGeneralProtectionFault() {
        // ES: data segment, base 0x40000, byte-granular limit 0x1FFF. 8 dwords from 0x1FF0:
        // four fit, the fifth (0x2000) is past the limit.
        CpuRig rig = new CpuRig().prot32(CpuRig.nasm(IdtPrelude.prot32() + """
                GATE 13, gp
                mov dword [0x520], 0x00001FFF
                mov dword [0x524], 0x00409204
                mov word [0x2FE0], 39
                mov dword [0x2FE2], 0x500
                lgdt [0x2FE0]
                mov ax, 0x20
                mov es, ax
                mov edi, 0x1FF0
                mov ecx, 8
                mov eax, 0x55667788
                rep stosd
                hlt
            gp: hlt
            """));
        rig.run();
        assertEquals(4, rig.reg(Cpu.RCX));
        assertEquals(0x2000, rig.reg(Cpu.RDI));
        for (int k = 0; k < 4; k++) {
            assertEquals(0x55667788L, rig.mem.read(0x41FF0 + 4L * k, 4));
        }
        assertEquals(0, rig.mem.read(0x42000, 4));
    }

    @Test
    void aPageFaultOnTheSecondPageLeavesTheRegistersOfTheElementsDone() {
        // 0x200000-0x3FFFFF mapped with 4 KiB pages, 0x201000 not present at first; the #PF
        // handler records CR2, RCX, RDI and maps the page, and the copy resumes.
        CpuRig rig = new CpuRig().long64(CpuRig.nasm(IdtPrelude.long64() + """
                GATE 14, pf
                mov rsi, 0x10000
                mov rdi, 0x200800
                mov ecx, 0x1000
                rep movsb
                hlt
            pf: mov rax, cr2
                mov [0x2F00], rax
                mov [0x2F08], rcx
                mov [0x2F10], rdi
                mov [0x2F18], rsi
                mov qword [0x104008], 0x201003
                invlpg [0x201000]
                add rsp, 8
                iretq
            """));
        for (int k = 0; k < 512; k++) {
            rig.mem.write(0x104000 + 8L * k, k == 1 ? 0 : (0x200000 + 4096L * k) | 3, 8);
        }
        rig.mem.write(0x102008, 0x104003, 8);
        byte[] src = pattern(0x1000);
        rig.load(SRC, src);
        rig.run();
        assertEquals(0x201000, rig.mem.read(0x2F00, 8), "CR2");
        assertEquals(0x800, rig.mem.read(0x2F08, 8), "RCX at the fault");
        assertEquals(0x201000, rig.mem.read(0x2F10, 8), "RDI at the fault");
        assertEquals(0x10800, rig.mem.read(0x2F18, 8), "RSI at the fault");
        assertArrayEquals(src, read(rig, 0x200800, 0x1000));
        assertEquals(0, rig.reg(Cpu.RCX));
        assertTrue(rig.cpu.mmu.bulkRuns() >= 2, "bulk runs on both pages: " + rig.cpu.mmu.bulkRuns());
    }

    @Test
    void anInterruptBetweenTwoChunksSeesTheElementsDoneAndTheCopyResumes() {
        byte[] code = CpuRig.nasm(IdtPrelude.long64() + """
                GATE 0x20, irq
                mov rsi, 0x10000
                mov rdi, 0x20000
                mov ecx, 10000
                sti
                nop
            copy:
                rep movsb
                hlt
            irq:
                mov [0x2F08], rcx
                mov [0x2F10], rdi
                mov [0x2F18], rsi
                mov rax, [rsp]
                mov [0x2F20], rax
                iretq
            """);
        CpuRig rig = new CpuRig().long64(code);
        rig.cpu.setInterruptAcknowledge(() -> {
            rig.cpu.intrPin().setLevel(false);
            return 0x20;
        });
        byte[] src = pattern(10000);
        rig.load(SRC, src);
        long copy = CpuRig.CODE + indexOf(code, CpuRig.bytes(0xF3, 0xA4, 0xF4));
        while (rig.cpu.rip != copy) {
            rig.cpu.run(1);
        }
        rig.cpu.run(1);
        int done = StringOps.CHUNK;
        assertEquals(copy, rig.cpu.rip, "the instruction restarts");
        assertEquals(10000 - done, rig.reg(Cpu.RCX));
        assertEquals(0x10000 + done, rig.reg(Cpu.RSI));
        assertEquals(0x20000 + done, rig.reg(Cpu.RDI));
        rig.cpu.intrPin().setLevel(true);
        rig.run();
        assertEquals(10000 - done, rig.mem.read(0x2F08, 8), "RCX seen by the handler");
        assertEquals(0x20000 + done, rig.mem.read(0x2F10, 8), "RDI seen by the handler");
        assertEquals(0x10000 + done, rig.mem.read(0x2F18, 8), "RSI seen by the handler");
        assertEquals(copy, rig.mem.read(0x2F20, 8), "the pushed RIP is the copy's");
        assertArrayEquals(src, read(rig, 0x20000, 10000));
        assertTrue(rig.cpu.mmu.bulkRuns() > 0, "bulk path taken");
    }
}
