package dev.jemu.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The page walker of every paging mode, its permission checks and its TLB invalidation. */
class MmuTest {
    private final CpuRig rig = new CpuRig();
    private final Cpu cpu = rig.cpu;
    private final Mmu mmu = cpu.mmu;

    private void pte(long addr, long value, int size) {
        rig.mem.write(addr, value, size);
    }

    private CpuFault fault(long lin, int kind, boolean user) {
        CpuFault f = assertThrows(CpuFault.class, () -> mmu.translate(lin, kind, user));
        assertEquals(Vectors.PF, f.vector());
        assertEquals(lin, cpu.cr2);
        return f;
    }

    private void twoLevel(boolean wp) {
        cpu.enterFlatProtectedMode();
        pte(0x10000, 0x11000 | 7, 4);
        pte(0x10004, 0x00400000 | 0x83, 4);
        pte(0x11000 + 5 * 4, 0x30000 | 5, 4);
        pte(0x11000 + 6 * 4, 0x31000 | 3, 4);
        cpu.cr3 = 0x10000;
        cpu.cr4 |= Cpu.CR4_PSE;
        cpu.cr0 |= Cpu.CR0_PG | (wp ? Cpu.CR0_WP : 0);
        mmu.flush();
    }

    @Test
    void twoLevelWalkSetsAccessedAndDirtyBits() {
        twoLevel(false);
        assertEquals(0x30123, mmu.translate(0x5123, Mmu.READ, true));
        assertEquals(0x25, rig.mem.read(0x11000 + 5 * 4, 4) & 0xFFF, "accessed, not dirty");
        assertEquals(0x27, rig.mem.read(0x10000, 4) & 0xFFF, "directory entry accessed");
        assertEquals(0x31FFF, mmu.translate(0x6FFF, Mmu.WRITE, false));
        assertEquals(0x63, rig.mem.read(0x11000 + 6 * 4, 4) & 0xFFF, "accessed and dirty");
    }

    @Test
    void twoLevelFaultLeavesTheDirectoryEntryAccessedBitClear() {
        twoLevel(true);
        pte(0x10000, 0x11000 | 7, 4);
        assertEquals(0, fault(0x7000, Mmu.READ, false).errorCode(), "table entry not present");
        assertEquals(0x07, rig.mem.read(0x10000, 4) & 0xFFF, "directory entry not accessed: the translation failed");
        assertEquals(5, fault(0x6000, Mmu.READ, true).errorCode(), "user read of supervisor page");
        assertEquals(0x07, rig.mem.read(0x10000, 4) & 0xFFF, "directory entry still not accessed");
        assertEquals(0x03, rig.mem.read(0x11000 + 6 * 4, 4) & 0xFFF, "table entry not accessed either");
    }

    @Test
    void fourMegabytePageMapsWithPse() {
        twoLevel(false);
        assertEquals(0x00412345, mmu.translate(0x00412345, Mmu.READ, false));
        assertEquals(0xA3, rig.mem.read(0x10004, 4) & 0xFFF, "large page accessed after a read");
        mmu.translate(0x00412345, Mmu.WRITE, false);
        assertEquals(0xE3, rig.mem.read(0x10004, 4) & 0xFFF, "and dirty after a write");
    }

    @Test
    void permissionFaultsCarryTheirErrorCodes() {
        twoLevel(true);
        assertEquals(7, fault(0x5000, Mmu.WRITE, true).errorCode(), "user write to read-only page");
        assertEquals(3, fault(0x5000, Mmu.WRITE, false).errorCode(), "supervisor write with CR0.WP");
        assertEquals(5, fault(0x6000, Mmu.READ, true).errorCode(), "user read of supervisor page");
        assertEquals(0, fault(0x7000, Mmu.READ, false).errorCode(), "not present");
        assertEquals(2, fault(0x00800000, Mmu.WRITE, false).errorCode(), "directory entry not present");
    }

    @Test
    void supervisorMayWriteReadOnlyPagesWithoutWp() {
        twoLevel(false);
        assertEquals(0x30000, mmu.translate(0x5000, Mmu.WRITE, false));
    }

    @Test
    void paeWalkHonoursNoExecute() {
        cpu.enterFlatProtectedMode();
        pte(0x20000, 0x21000 | 1, 8);
        pte(0x21000, 0x22000 | 7, 8);
        pte(0x21008, 0x00200000 | 0x83, 8);
        pte(0x22000 + 8 * 3, 0x40000 | 7 | (1L << 63), 8);
        cpu.cr3 = 0x20000;
        cpu.cr4 |= Cpu.CR4_PAE;
        cpu.efer |= Cpu.EFER_NXE;
        cpu.cr0 |= Cpu.CR0_PG;
        mmu.flush();
        assertEquals(0x40010, mmu.translate(0x3010, Mmu.READ, true));
        assertEquals(0x15, fault(0x3010, Mmu.FETCH, true).errorCode(), "present, user, instruction fetch");
        assertEquals(0x2ABCDE, mmu.translate(0x2ABCDE, Mmu.FETCH, false), "2 MiB page");
        cpu.efer &= ~Cpu.EFER_NXE;
        assertEquals(0x0D, fault(0x3010, Mmu.READ, true).errorCode(), "NX bit without EFER.NXE is a reserved-bit fault");
    }

    @Test
    void fourLevelWalkMapsHighAddresses() {
        rig.long64(new byte[] {(byte) 0xF4});
        long pml4 = cpu.cr3;
        pte(pml4 + 8 * 256, 0x120000 | 3, 8);
        pte(0x120000 + 8 * 1, 0x121000 | 3, 8);
        pte(0x121000, 0x40000000L | 0x83, 8);
        mmu.flush();
        long lin = 0xFFFF_8000_4012_3456L;
        assertEquals(0x40123456L, mmu.translate(lin, Mmu.WRITE, false));
        assertEquals(5, fault(lin, Mmu.READ, true).errorCode(), "present, user read of a supervisor-only top level");
    }

    @Test
    void invlpgMakesANewMappingVisibleToTheFastPath() {
        twoLevel(false);
        rig.mem.write(0x30000, 0x11, 1);
        rig.mem.write(0x32000, 0x22, 1);
        assertEquals(0x11, mmu.read(0x5000, 1));
        pte(0x11000 + 5 * 4, 0x32000 | 7, 4);
        mmu.flushPage(0x5000);
        assertEquals(0x22, mmu.read(0x5000, 1));
    }

    @Test
    void writesToCodePagesLeaveTheFastPathSoGenerationsCount() {
        rig.prot32(new byte[] {(byte) 0xF4});
        mmu.write(0x2000, 1, 1);
        rig.ram.block().addCodeListener(off -> mmu.flushWritesTo(rig.ram.block(), off));
        rig.ram.block().markCode(0x2000);
        mmu.write(0x2004, 2, 4);
        assertEquals(1, rig.ram.block().generation(0x2000));
        assertEquals(2, mmu.read(0x2004, 4));
    }

    @Test
    void tlbFillsWalkRamPageTablesWithoutSearchingTheFlatView() {
        rig.long64(new byte[] {(byte) 0xF4});
        for (int k = 0; k < 300; k++) {
            rig.mem.write(0x200000 + 0x1000L * k, k, 4);
        }
        assertEquals(0, mmu.read(0x200000, 4));
        long before = mmu.flatSearches();
        for (int k = 1; k < 300; k++) {
            assertEquals(k, mmu.read(0x200000 + 0x1000L * k, 4), "page " + k);
        }
        mmu.write(0x300000, 7, 8);
        assertEquals(before, mmu.flatSearches(), "299 TLB misses and a store walked RAM without a search");
        assertEquals(0x87 | 0x20 | 0x40, rig.mem.read(0x102008, 8) & 0xFFF, "the walks set the accessed and dirty bits");
        assertEquals(7, rig.mem.read(0x300000, 8));
    }

    @Test
    void aLayoutChangeMakesTheNextFillSeeTheNewRegion() {
        rig.long64(new byte[] {(byte) 0xF4});
        rig.mem.write(0x210000, 0x1234, 4);
        assertEquals(0x1234, mmu.read(0x210000, 4));
        rig.mem.root().addSubregion(0x210000, new dev.jemu.core.memory.MmioRegion("probe", 0x1000,
                new dev.jemu.core.memory.MmioOps() {
                    @Override
                    public long read(long offset, int size) {
                        return 0xABCD;
                    }

                    @Override
                    public void write(long offset, long value, int size) {
                    }
                }, dev.jemu.core.memory.AccessSizes.ANY), 1);
        assertEquals(0xABCD, mmu.read(0x210000, 4), "the MMIO region now over the page answers");
        assertEquals(0, mmu.read(0x211000, 4), "RAM next to it is still RAM");
    }
}
