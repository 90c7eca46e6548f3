package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Reserved bits in paging-structure entries raise #PF with RSVD (bit 3) in the error code, in
 * every paging mode. Which bits are reserved is the Intel SDM's (vol. 3A 4.3-4.5, "Reserved
 * bits"), for MAXPHYADDR 40 and no 1 GiB pages, as CPUID reports; each case was also run on
 * QEMU 7.2 {@code -cpu qemu64} (TCG) with a multiboot kernel, which faults on exactly the
 * same entries but leaves the P bit out of the error code: here it is set, as the SDM says
 * ("bit 3 of the error code can be set only if bit 0 is also set").
 */
class ReservedBitsTest {
    private static final int RSVD_READ = 0x09;
    private static final long PML4 = 0x100000;
    private static final long PD = 0x102000;
    private static final long PT = 0x110000;
    private static final long PDPT2 = 0x111000;
    /** Mapped through PML4[1] -> PDPT2[0] -> PD[3], a 2 MiB page at physical 0x600000. */
    private static final long HIGH = 0x80_0060_0000L;

    private final CpuRig rig = new CpuRig();
    private final Cpu cpu = rig.cpu;
    private final Mmu mmu = cpu.mmu;

    private void set(long addr, long value) {
        rig.mem.write(addr, value, 8);
        mmu.flush();
    }

    private void or(long addr, long bits) {
        set(addr, rig.mem.read(addr, 8) | bits);
    }

    private int errorCode(long lin, int kind, boolean user) {
        CpuFault f = assertThrows(CpuFault.class, () -> mmu.translate(lin, kind, user));
        assertEquals(Vectors.PF, f.vector());
        assertEquals(lin, cpu.cr2);
        return f.errorCode();
    }

    /** The 64-bit rig's tables plus PD[1] -> 4 KiB page table and PML4[1] -> a second PDPT. */
    private void fourLevel() {
        rig.long64(new byte[] {(byte) 0xF4});
        for (int k = 0; k < 512; k++) {
            rig.mem.write(PT + 8L * k, (0x200000 + 0x1000L * k) | 7, 8);
        }
        set(PD + 8, PT | 7);
        set(PDPT2, PD | 7);
        set(PML4 + 8, PDPT2 | 7);
    }

    @Test
    void fourLevelAddressBitsAboveMaxPhyAddrAreReservedAtEveryLevel() {
        fourLevel();
        long pte = PT + 8 * 0x1F2;
        assertEquals(0x3F2123, mmu.translate(0x3F2123, Mmu.READ, false));
        for (int bit : new int[] {40, 51}) {
            or(pte, 1L << bit);
            assertEquals(RSVD_READ, errorCode(0x3F2000, Mmu.READ, false), "PTE bit " + bit);
            set(pte, 0x3F2007);
        }
        or(PD + 8, 1L << 51);
        assertEquals(RSVD_READ, errorCode(0x3F2000, Mmu.READ, false), "PDE pointing to a page table");
        set(PD + 8, PT | 7);
        or(PDPT2, 1L << 51);
        assertEquals(RSVD_READ, errorCode(HIGH, Mmu.READ, false), "PDPTE");
        set(PDPT2, PD | 7);
        for (int bit : new int[] {40, 51}) {
            or(PML4 + 8, 1L << bit);
            assertEquals(RSVD_READ, errorCode(HIGH, Mmu.READ, false), "PML4E bit " + bit);
            set(PML4 + 8, PDPT2 | 7);
        }
        assertEquals(0x600000, mmu.translate(HIGH, Mmu.READ, false));
    }

    @Test
    void fourLevelIgnoredBitsDoNotFault() {
        fourLevel();
        long pte = PT + 8 * 0x1F2;
        for (int bit : new int[] {8, 52, 62}) {
            or(pte, 1L << bit);
            assertEquals(0x3F2000, mmu.translate(0x3F2000, Mmu.READ, false), "PTE bit " + bit);
            set(pte, 0x3F2007);
        }
        or(PD + 3 * 8, 1L << 12);
        assertEquals(0x600000, mmu.translate(0x600000, Mmu.READ, false), "PAT bit of a 2 MiB page");
    }

    @Test
    void fourLevelPageSizeBitsThatAreReserved() {
        fourLevel();
        for (int bit : new int[] {13, 20}) {
            or(PD + 3 * 8, 1L << bit);
            assertEquals(RSVD_READ, errorCode(0x600000, Mmu.READ, false), "2 MiB PDE bit " + bit);
            set(PD + 3 * 8, 0x600087);
        }
        or(PDPT2, 0x80);
        assertEquals(RSVD_READ, errorCode(HIGH, Mmu.READ, false), "PS in a PDPTE: no 1 GiB pages");
        set(PDPT2, PD | 7);
        or(PML4 + 8, 0x80);
        assertEquals(RSVD_READ, errorCode(HIGH, Mmu.READ, false), "PS in a PML4E");
    }

    @Test
    void errorCodeKeepsTheAccessBitsAndNotPresentWins() {
        fourLevel();
        long pte = PT + 8 * 0x1F2;
        or(pte, 1L << 51);
        assertEquals(0x0B, errorCode(0x3F2000, Mmu.WRITE, false), "write");
        assertEquals(0x0D, errorCode(0x3F2000, Mmu.READ, true), "user read");
        assertEquals(0x19, errorCode(0x3F2000, Mmu.FETCH, false), "instruction fetch with EFER.NXE");
        set(pte, (1L << 51) | 0x3F2006);
        assertEquals(0x00, errorCode(0x3F2000, Mmu.READ, false), "reserved bits of a not-present entry are not checked");
    }

    @Test
    void noExecuteBitIsReservedWithoutEferNxe() {
        fourLevel();
        cpu.efer &= ~Cpu.EFER_NXE;
        long pte = PT + 8 * 0x1F2;
        or(pte, 1L << 63);
        assertEquals(RSVD_READ, errorCode(0x3F2000, Mmu.READ, false), "PTE");
        assertEquals(RSVD_READ, errorCode(0x3F2000, Mmu.FETCH, false), "fetch: no I/D bit without NXE");
        set(pte, 0x3F2007);
        or(PML4 + 8, 1L << 63);
        assertEquals(RSVD_READ, errorCode(HIGH, Mmu.READ, false), "PML4E");
    }

    /** PAE: PDPT at 0x20000 (entries 0 and 1 -> PD), PD[2] -> PT (4-6 MiB), PD[3] a 2 MiB page. */
    private void pae() {
        cpu.enterFlatProtectedMode();
        rig.mem.write(0x20000, 0x21000 | 1, 8);
        rig.mem.write(0x20008, 0x21000 | 1, 8);
        rig.mem.write(0x21000 + 2 * 8, 0x22000 | 7, 8);
        rig.mem.write(0x21000 + 3 * 8, 0x600000 | 0x87, 8);
        rig.mem.write(0x22000, 0x400000 | 7, 8);
        cpu.cr3 = 0x20000;
        cpu.cr4 |= Cpu.CR4_PAE;
        cpu.cr0 |= Cpu.CR0_PG;
        mmu.flush();
    }

    @Test
    void paeReservedBits() {
        pae();
        assertEquals(0x400000, mmu.translate(0x400000, Mmu.READ, false));
        for (int bit : new int[] {40, 51, 52, 62, 63}) {
            or(0x22000, 1L << bit);
            assertEquals(RSVD_READ, errorCode(0x400000, Mmu.READ, false), "PTE bit " + bit + " (62:40 and NX without NXE)");
            set(0x22000, 0x400007);
        }
        for (int bit : new int[] {13, 20}) {
            or(0x21018, 1L << bit);
            assertEquals(RSVD_READ, errorCode(0x600000, Mmu.READ, false), "2 MiB PDE bit " + bit);
            set(0x21018, 0x600087);
        }
        or(0x21010, 1L << 52);
        assertEquals(RSVD_READ, errorCode(0x400000, Mmu.READ, false), "PDE pointing to a page table");
        set(0x21010, 0x22007);
        for (int bit : new int[] {40, 52, 63}) {
            or(0x20008, 1L << bit);
            assertEquals(RSVD_READ, errorCode(0x40600000L, Mmu.READ, false), "PDPTE bit " + bit);
            set(0x20008, 0x21001);
        }
        cpu.efer |= Cpu.EFER_NXE;
        or(0x20008, 1L << 63);
        assertEquals(RSVD_READ, errorCode(0x40600000L, Mmu.READ, false), "a PDPTE has no NX bit even with NXE");
        set(0x20008, 0x21001);
        or(0x22000, 1L << 63);
        assertEquals(0x400000, mmu.translate(0x400000, Mmu.READ, false), "NX with NXE is no reserved bit");
    }

    @Test
    void paePdpteLowBitsAreNotCheckedWhenWalking() {
        pae();
        for (int bit : new int[] {1, 2, 5, 6, 7, 8}) {
            or(0x20008, 1L << bit);
            assertEquals(0x600000, mmu.translate(0x40600000L, Mmu.READ, false), "PDPTE bit " + bit);
            set(0x20008, 0x21001);
        }
    }

    @Test
    void pse36FourMegabytePageReservesBit21() {
        cpu.enterFlatProtectedMode();
        rig.mem.write(0x10004, 0x400000 | 0x83, 4);
        cpu.cr3 = 0x10000;
        cpu.cr4 |= Cpu.CR4_PSE;
        cpu.cr0 |= Cpu.CR0_PG;
        mmu.flush();
        rig.mem.write(0x10004, 0x400000 | 0x83 | (1 << 21), 4);
        mmu.flush();
        assertEquals(RSVD_READ, errorCode(0x400000, Mmu.READ, false));
        assertEquals(0x0B, errorCode(0x400000, Mmu.WRITE, false));
        assertEquals(RSVD_READ, errorCode(0x400000, Mmu.FETCH, false), "no I/D bit in 32-bit paging without NXE");
        rig.mem.write(0x10004, 0x400000 | 0x83 | (1 << 13) | (1 << 20) | (1 << 12), 4);
        mmu.flush();
        assertEquals(0x81_0040_0000L, mmu.translate(0x400000, Mmu.READ, false),
                "PSE-36: bits 20:13 are physical address bits 39:32, bit 12 is PAT");
    }
}
