package dev.jemu.cli.qmp;

import dev.jemu.core.memory.AddressSpace;
import dev.jemu.core.memory.AliasRegion;
import dev.jemu.core.memory.ContainerRegion;
import dev.jemu.core.memory.MemoryRegion;
import dev.jemu.core.memory.RamRegion;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * HMP {@code info mtree}: each address space's tree of regions, then one {@code memory-region:}
 * section per region that an alias points at, in QEMU's format: {@code START-END (prio P,
 * TYPE): NAME}, {@code alias NAME @TARGET OFFSET-END} for aliases, siblings by address then
 * higher priority first, {@code [disabled]} after a disabled region, two more spaces per level.
 *
 * <p>Threading: the caller holds the big lock (the layout must not change during the dump).
 */
final class MemoryTreeDump {
    private final StringBuilder out = new StringBuilder();
    /** The regions aliases point at, in the order first met; each gets a section. */
    private final Set<MemoryRegion> aliased = new LinkedHashSet<>();

    private MemoryTreeDump() {
    }

    /** The dump of {@code spaces}. */
    static String of(List<AddressSpace> spaces) {
        MemoryTreeDump d = new MemoryTreeDump();
        for (AddressSpace as : spaces) {
            d.out.append("address-space: ").append(as.name()).append("\r\n");
            d.region(as.root(), 0, 1);
            d.out.append("\r\n");
        }
        Set<MemoryRegion> printed = new LinkedHashSet<>();
        while (printed.size() < d.aliased.size()) {
            for (MemoryRegion target : List.copyOf(d.aliased)) {
                if (printed.add(target)) {
                    d.out.append("memory-region: ").append(target.name()).append("\r\n");
                    d.region(target, 0, 1);
                    d.out.append("\r\n");
                }
            }
        }
        return d.out.toString();
    }

    /** {@code mr} placed at {@code base + mr.address()}, then its subregions one level deeper. */
    private void region(MemoryRegion mr, long base, int level) {
        long start = base + mr.address();
        long end = start + mr.size() - 1;
        out.append("  ".repeat(level)).append(String.format("%016x-%016x (prio %d, %s): ", start, end, mr.priority(), type(mr)));
        if (mr instanceof AliasRegion alias) {
            aliased.add(alias.target());
            out.append("alias ").append(mr.name()).append(" @").append(alias.target().name())
                    .append(String.format(" %016x-%016x", alias.targetOffset(), alias.targetOffset() + mr.size() - 1));
        } else {
            out.append(mr.name());
        }
        out.append(mr.isEnabled() ? "" : " [disabled]").append("\r\n");
        if (mr instanceof ContainerRegion c) {
            List<MemoryRegion> children = new ArrayList<>(c.subregions());
            children.sort(Comparator.comparingLong(MemoryRegion::address)
                    .thenComparing(Comparator.comparingInt(MemoryRegion::priority).reversed()));
            for (MemoryRegion child : children) {
                region(child, start, level + 1);
            }
        }
    }

    /** QEMU's region types: ram, rom, i/o (MMIO and containers); an alias has its target's. */
    private static String type(MemoryRegion mr) {
        return switch (mr) {
            case AliasRegion a -> type(a.target());
            case RamRegion r -> r.isReadOnly() ? "rom" : "ram";
            default -> "i/o";
        };
    }
}
