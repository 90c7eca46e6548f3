package dev.jemu.devices.ide;

import dev.jemu.core.memory.AddressSpace;

/**
 * Writes a physical region descriptor table into guest memory as a driver builds one: each
 * entry the buffer's address and its byte count (0 for 64 KiB), EOT on the last one unless
 * the test leaves it off.
 *
 * <p>Threading: the test thread.
 */
final class PrdTableFixture {
    private final AddressSpace memory;
    private final long table;
    private int entries;

    PrdTableFixture(AddressSpace memory, long table) {
        this.memory = memory;
        this.table = table;
    }

    /** Appends an entry for {@code bytes} (1 to 65536) at {@code address}. */
    PrdTableFixture entry(long address, int bytes, boolean last) {
        long at = table + 8L * entries++;
        memory.write(at, address, 4);
        memory.write(at + 4, (bytes & 0xFFFF) | (last ? 0x8000_0000L : 0), 4);
        return this;
    }

    long address() {
        return table;
    }
}
