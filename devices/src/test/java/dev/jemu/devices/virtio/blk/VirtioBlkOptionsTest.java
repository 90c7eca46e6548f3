package dev.jemu.devices.virtio.blk;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Property errors in the words qemu-system-x86_64 7.2 uses for {@code -device virtio-blk-pci}. */
class VirtioBlkOptionsTest {
    private static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void refusesWhatQemuRefusesWithItsMessages() {
        VirtioBlkOptions d = VirtioBlkOptions.defaults();
        assertEquals("invalid queue-size property (2), must be > 2", error(() -> d.withQueues(1, 2)));
        assertEquals("invalid queue-size property (100), must be a power of 2 (max 1024)", error(() -> d.withQueues(1, 100)));
        assertEquals("invalid queue-size property (2048), must be a power of 2 (max 1024)",
                error(() -> d.withQueues(1, 2048)));
        assertEquals("num-queues property must be larger than 0", error(() -> d.withQueues(0, 256)));
        assertEquals("Property .logical_block_size doesn't take value '1000', it's not a power of 2",
                error(() -> d.withBlockSizes(1000, 1024)));
        assertEquals("logical_block_size > physical_block_size not supported", error(() -> d.withBlockSizes(4096, 512)));
        assertEquals("'x' invalid read error action", error(() -> BlockErrorAction.parse("x", false)));
        assertEquals("'enospc' invalid read error action", error(() -> BlockErrorAction.parse("enospc", false)));
        assertEquals(BlockErrorAction.ENOSPC, BlockErrorAction.parse("enospc", true));
    }

    @Test
    void acceptsTheLargestQueue() {
        assertEquals(1024, VirtioBlkOptions.defaults().withQueues(2, 1024).queueSize());
    }
}
