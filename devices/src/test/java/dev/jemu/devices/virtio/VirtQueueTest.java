package dev.jemu.devices.virtio;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.RamRegion;
import dev.jemu.devices.virtio.VirtQueueFixture.Buf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The split ring on its own: index wrap-around, vring_need_event, chain shapes. */
class VirtQueueTest {
    private final AddressSpace mem;

    VirtQueueTest() {
        ContainerRegion root = new ContainerRegion("memory", 1L << 32);
        root.addSubregion(0, RamRegion.ram("ram", 1 << 20));
        mem = new AddressSpace("memory", root);
    }

    private VirtQueue queue(VirtQueueFixture f, boolean eventIdx) {
        VirtQueue q = new VirtQueue(mem, 0, f.size);
        q.setDescAddress(f.desc);
        q.setAvailAddress(f.avail);
        q.setUsedAddress(f.used);
        q.setEnabled(true);
        q.start(eventIdx, false);
        return q;
    }

    @Test
    void indicesWrapAt65536() throws VirtQueueException {
        VirtQueueFixture f = new VirtQueueFixture(mem, 4, 0x1000, 0x2000, 0x3000);
        VirtQueue q = queue(f, false);
        VirtQueueElement e = new VirtQueueElement();
        for (int n = 0; n < 70_000; n++) {
            int head = f.chain(Buf.out(0x10000, 16), Buf.in(0x20000 + (n & 0xFF), 1));
            f.offer(head);
            assertTrue(q.pop(e));
            assertEquals(head, e.head());
            assertFalse(q.pop(e));
            q.push(e, 1);
            q.flush();
            assertEquals((n + 1) & 0xFFFF, f.usedIdx());
            assertEquals(head, f.usedId(n));
        }
    }

    @Test
    void needEventFollowsTheSpecFormula() {
        // spec 2.7.10: notify iff (u16)(new - event - 1) < (u16)(new - old)
        assertTrue(VirtQueue.needEvent(0, 1, 0));
        assertFalse(VirtQueue.needEvent(1, 1, 0));
        assertTrue(VirtQueue.needEvent(5, 8, 3));
        assertFalse(VirtQueue.needEvent(8, 8, 3));
        assertTrue(VirtQueue.needEvent(0xFFFF, 2, 0xFFF0), "across the wrap");
    }

    @Test
    void splitsReadableAndWritableBuffersAndCopiesAcrossThem() throws VirtQueueException {
        VirtQueueFixture f = new VirtQueueFixture(mem, 8, 0x1000, 0x2000, 0x3000);
        VirtQueue q = queue(f, true);
        mem.writeBytes(0x10000, new byte[] {1, 2, 3}, 0, 3);
        mem.writeBytes(0x11000, new byte[] {4, 5}, 0, 2);
        f.offer(f.chain(Buf.out(0x10000, 3), Buf.out(0x11000, 2), Buf.in(0x12000, 2), Buf.in(0x13000, 4)));
        VirtQueueElement e = new VirtQueueElement();
        assertTrue(q.pop(e));
        assertEquals(2, e.outCount());
        assertEquals(2, e.inCount());
        assertEquals(5, e.outBytes());
        assertEquals(6, e.inBytes());
        byte[] out = new byte[4];
        assertEquals(4, e.readOut(mem, 1, out, 0, 4));
        assertEquals(java.util.List.of((byte) 2, (byte) 3, (byte) 4, (byte) 5),
                java.util.List.of(out[0], out[1], out[2], out[3]));
        assertEquals(3, e.writeIn(mem, 3, new byte[] {9, 8, 7, 6}, 0, 4), "only 3 bytes fit after offset 3");
        assertEquals(0, mem.read(0x13000, 1), "offset 3 skips the 2-byte buffer and 1 byte of the next");
        assertEquals(9, mem.read(0x13001, 1));
        assertEquals(7, mem.read(0x13003, 1));
    }

    @Test
    void refusesAnIndirectTableLargerThanAnyQueue() {
        VirtQueueFixture f = new VirtQueueFixture(mem, 8, 0x1000, 0x2000, 0x3000);
        VirtQueue q = queue(f, false);
        f.writeDesc(f.desc, 0, 0x40000, 16 * (VirtQueue.MAX_SIZE + 1), VirtQueue.DESC_F_INDIRECT, 0);
        f.offer(0);
        VirtQueueException e = assertThrows(VirtQueueException.class, () -> q.pop(new VirtQueueElement()));
        assertEquals("virtqueue 0: the chain at descriptor 0 has an indirect table of 16400 bytes", e.getMessage());
    }
}
