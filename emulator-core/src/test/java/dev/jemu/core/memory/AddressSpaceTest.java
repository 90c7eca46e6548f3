package dev.jemu.core.memory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressSpaceTest {

    /** An MMIO device that records every callback and answers reads from a register file. */
    static final class RecordingDevice implements MmioOps {
        final List<String> calls = new ArrayList<>();
        final byte[] regs = new byte[64];

        @Override
        public long read(long offset, int size) {
            calls.add("r" + size + "@" + offset);
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= (regs[(int) offset + i] & 0xFFL) << (8 * i);
            }
            return v;
        }

        @Override
        public void write(long offset, long value, int size) {
            calls.add("w" + size + "@" + offset + "=" + Long.toHexString(value));
            for (int i = 0; i < size; i++) {
                regs[(int) offset + i] = (byte) (value >>> (8 * i));
            }
        }
    }

    @Test
    void ramReadsBackWhatWasWrittenLittleEndian() {
        ContainerRegion root = new ContainerRegion("sys", 1L << 32);
        root.addSubregion(0, RamRegion.ram("ram", 0x10000));
        AddressSpace as = new AddressSpace("mem", root);
        as.write(0x100, 0x1122334455667788L, 8);
        assertEquals(0x88, as.read(0x100, 1));
        assertEquals(0x5566_7788L, as.read(0x100, 4));
        assertEquals(0x1122334455667788L, as.read(0x100, 8));
    }

    @Test
    void accessCrossingPageBoundaryIsSplit() {
        ContainerRegion root = new ContainerRegion("sys", 1L << 32);
        root.addSubregion(0, RamRegion.ram("ram", 0x10000));
        AddressSpace as = new AddressSpace("mem", root);
        as.write(0xFFE, 0xAABBCCDDL, 4);
        assertEquals(0xCCDD, as.read(0xFFE, 2));
        assertEquals(0xAABB, as.read(0x1000, 2));
        assertEquals(0xAABBCCDDL, as.read(0xFFE, 4));
    }

    @Test
    void unassignedReadsAllOnesAndIgnoresWrites() {
        AddressSpace as = new AddressSpace("mem", new ContainerRegion("sys", 1L << 32));
        as.write(0x5000, 0x12, 1);
        assertEquals(0xFFFF_FFFFL, as.read(0x5000, 4));
        assertNull(as.flatView().find(0x5000));
    }

    @Test
    void higherPriorityOverlapHidesLowerAndDisablingRevealsIt() {
        ContainerRegion root = new ContainerRegion("sys", 1L << 32);
        RamRegion low = RamRegion.ram("low", 0x4000);
        RamRegion high = RamRegion.ram("high", 0x1000);
        root.addSubregion(0, low, 0);
        root.addSubregion(0x1000, high, 1);
        AddressSpace as = new AddressSpace("mem", root);
        as.write(0x1000, 0x42, 1);
        assertEquals(0x42, high.block().read(0, 1));
        assertEquals(0, low.block().read(0x1000, 1));
        assertEquals(3, as.flatView().ranges().size());
        high.setEnabled(false);
        as.write(0x1000, 0x43, 1);
        assertEquals(0x43, low.block().read(0x1000, 1));
        assertEquals(1, as.flatView().ranges().size());
    }

    @Test
    void remappingMovesTheRegionAndNotifiesListeners() {
        ContainerRegion root = new ContainerRegion("sys", 1L << 32);
        RecordingDevice dev = new RecordingDevice();
        MmioRegion bar = new MmioRegion("bar", 0x40, dev, AccessSizes.ANY);
        root.addSubregion(0xE000_0000L, bar);
        AddressSpace as = new AddressSpace("mem", root);
        int[] rebuilt = {0};
        as.addLayoutListener(() -> rebuilt[0]++);
        bar.setAddress(0xF000_0000L);
        assertEquals(1, rebuilt[0]);
        as.write(0xF000_0004L, 7, 1);
        assertEquals(List.of("w1@4=7"), dev.calls);
        assertEquals(0xFF, as.read(0xE000_0004L, 1));
    }

    @Test
    void aliasShowsTheTargetAtASecondAddress() {
        ContainerRegion root = new ContainerRegion("sys", 1L << 32);
        RamRegion rom = RamRegion.rom("bios", new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        root.addSubregion(0xFFFF_F000L, rom);
        root.addSubregion(0xF000, new AliasRegion("bios-low", rom, 0, 0x1000));
        AddressSpace as = new AddressSpace("mem", root);
        assertEquals(0x0403_0201L, as.read(0xF000, 4));
        assertEquals(0x0403_0201L, as.read(0xFFFF_F000L, 4));
    }

    @Test
    void aliasOfContainerFollowsChangesInsideTheContainer() {
        ContainerRegion root = new ContainerRegion("sys", 1L << 32);
        ContainerRegion inner = new ContainerRegion("inner", 0x2000);
        root.addSubregion(0x10000, new AliasRegion("view", inner, 0x1000, 0x1000));
        AddressSpace as = new AddressSpace("mem", root);
        assertEquals(0xFF, as.read(0x10000, 1));
        RamRegion ram = RamRegion.ram("r", 0x1000);
        ram.load(0, new byte[] {0x5A});
        inner.addSubregion(0x1000, ram);
        assertEquals(0x5A, as.read(0x10000, 1));
    }

    @Test
    void romIgnoresGuestWritesButLoads() {
        ContainerRegion root = new ContainerRegion("sys", 1L << 32);
        RamRegion rom = RamRegion.rom("rom", new byte[] {9});
        root.addSubregion(0, rom);
        AddressSpace as = new AddressSpace("mem", root);
        as.write(0, 1, 1);
        assertEquals(9, as.read(0, 1));
        rom.setReadOnly(false);
        as.write(0, 1, 1);
        assertEquals(1, as.read(0, 1));
    }

    @Test
    void wideAccessIsSplitIntoImplementedSizes() {
        RecordingDevice dev = new RecordingDevice();
        ContainerRegion root = new ContainerRegion("sys", 0x10000);
        root.addSubregion(0x100, new MmioRegion("dev", 0x40, dev, AccessSizes.ANY, AccessSizes.BYTE));
        AddressSpace as = new AddressSpace("mem", root);
        as.write(0x100, 0x0201, 2);
        assertEquals(List.of("w1@0=1", "w1@1=2"), dev.calls);
        dev.calls.clear();
        assertEquals(0x0201, as.read(0x100, 2));
        assertEquals(List.of("r1@0", "r1@1"), dev.calls);
    }

    @Test
    void narrowWriteToDwordDeviceIsMergedIntoTheContainingDword() {
        RecordingDevice dev = new RecordingDevice();
        dev.regs[4] = 0x11;
        dev.regs[5] = 0x22;
        dev.regs[6] = 0x33;
        dev.regs[7] = 0x44;
        MmioRegion r = new MmioRegion("dev", 0x40, dev, AccessSizes.ANY, AccessSizes.DWORD);
        r.dispatchWrite(6, 0xAA, 1);
        assertEquals(List.of("r4@4", "w4@4=44aa2211"), dev.calls);
        dev.calls.clear();
        assertEquals(0x22, r.dispatchRead(5, 1));
        assertEquals(List.of("r4@4"), dev.calls);
    }

    @Test
    void accessOfUndeclaredSizeNeverReachesTheDevice() {
        RecordingDevice dev = new RecordingDevice();
        MmioRegion r = new MmioRegion("dev", 0x40, dev, AccessSizes.DWORD);
        assertEquals(0xFF, r.dispatchRead(0, 1));
        r.dispatchWrite(0, 1, 2);
        assertTrue(dev.calls.isEmpty());
    }

    @Test
    void portSpaceDispatchesToRegisteredPorts() {
        AddressSpace io = AddressSpace.ioPorts();
        RecordingDevice dev = new RecordingDevice();
        io.root().addSubregion(0x3F8, new MmioRegion("serial", 8, dev, AccessSizes.BYTE));
        io.write(0x3F9, 0x5, 1);
        assertEquals(5, io.read(0x3F9, 1));
        assertEquals(0xFF, io.read(0x2F8, 1));
    }

    @Test
    void regionCannotBePlacedTwice() {
        ContainerRegion a = new ContainerRegion("a", 0x1000);
        ContainerRegion b = new ContainerRegion("b", 0x1000);
        RamRegion r = RamRegion.ram("r", 0x1000);
        a.addSubregion(0, r);
        assertThrows(IllegalStateException.class, () -> b.addSubregion(0, r));
        a.removeSubregion(r);
        b.addSubregion(0, r);
        assertFalse(a.subregions().contains(r));
    }

    @Test
    void ramAboveTwoGigabytesIsAddressable() {
        RamBlock block = new RamBlock(0x1000);
        assertEquals(0x1000, block.size());
        ContainerRegion root = new ContainerRegion("sys", 1L << 40);
        RamRegion ram = RamRegion.ram("hi", 0x2000);
        root.addSubregion(0x1_0000_0000L, ram);
        AddressSpace as = new AddressSpace("mem", root);
        as.write(0x1_0000_1000L, 0xBEEF, 2);
        assertEquals(0xBEEF, ram.block().read(0x1000, 2));
    }

    @Test
    void aGuestPollingAnAbsentPortLogsOneLineWithTheValueAndACountAtExit() {
        dev.jemu.core.log.Log.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        dev.jemu.core.log.Log.logRepeatSummary();
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        dev.jemu.core.log.Log.setOutput(new java.io.PrintStream(buf, true));
        dev.jemu.core.log.Log.enable(dev.jemu.core.log.LogCategory.GUEST_ERRORS);
        try {
            AddressSpace io = AddressSpace.ioPorts();
            for (int i = 0; i < 10_000; i++) {
                io.write(0x3A5, 0x42 + (i & 1), 1);
                assertEquals(0xFF, io.read(0x3A5, 1));
            }
            dev.jemu.core.log.Log.logRepeatSummary();
            assertEquals(java.util.List.of(
                    "unassigned I/O write at 0x3a5 value 0x42",
                    "unassigned I/O read at 0x3a5",
                    "unassigned I/O write at 0x3a5 value 0x42 [9999 more]",
                    "unassigned I/O read at 0x3a5 [9999 more]"), buf.toString().lines().toList());
        } finally {
            dev.jemu.core.log.Log.disableAll();
            dev.jemu.core.log.Log.setOutput(System.err);
        }
    }
}
