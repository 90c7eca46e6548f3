package dev.jemu.devices.pc.boot;

import dev.jemu.devices.fwcfg.E820Entry;

import java.util.ArrayList;
import java.util.List;

/**
 * The e820 memory map a kernel loaded without the BIOS is given: conventional memory up to
 * the EBDA, the EBDA and the BIOS area reserved, RAM from 1 MiB to the end of low RAM, and
 * the RAM above 4 GiB.
 * Pure function; any thread.
 */
final class PcMemoryMap {
    /** Where conventional memory ends (the EBDA's 1 KiB below 640 KiB starts). */
    static final long LOW_MEMORY_END = 0x9FC00;

    private PcMemoryMap() {
    }

    static List<E820Entry> entries(long belowFourGiB, long aboveFourGiB) {
        List<E820Entry> map = new ArrayList<>();
        map.add(new E820Entry(0, LOW_MEMORY_END, E820Entry.RAM));
        map.add(new E820Entry(LOW_MEMORY_END, 0xA0000 - LOW_MEMORY_END, E820Entry.RESERVED));
        map.add(new E820Entry(0xF0000, 0x10000, E820Entry.RESERVED));
        map.add(new E820Entry(0x100000, belowFourGiB - 0x100000, E820Entry.RAM));
        if (aboveFourGiB > 0) {
            map.add(new E820Entry(0x1_0000_0000L, aboveFourGiB, E820Entry.RAM));
        }
        return map;
    }
}
