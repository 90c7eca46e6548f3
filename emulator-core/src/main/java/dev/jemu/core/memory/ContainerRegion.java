package dev.jemu.core.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * A region made of subregions placed at offsets with priorities. Where subregions overlap,
 * the higher priority is visible; among equal priorities the one added later wins. Parts
 * covered by no subregion are unassigned (reads return all ones, writes are dropped).
 */
public final class ContainerRegion extends MemoryRegion {
    private final List<MemoryRegion> children = new ArrayList<>();
    private final List<Runnable> listeners = new ArrayList<>();

    /** Creates an empty container of {@code size} bytes. */
    public ContainerRegion(String name, long size) {
        super(name, size);
    }

    /** Places {@code region} at {@code offset} with priority 0. */
    public void addSubregion(long offset, MemoryRegion region) {
        addSubregion(offset, region, 0);
    }

    /** Places {@code region} at {@code offset} with {@code priority}. */
    public void addSubregion(long offset, MemoryRegion region, int priority) {
        if (region.parent != null) {
            throw new IllegalStateException("memory region " + region.name() + " is already inside " + region.parent.name());
        }
        if (region == this) {
            throw new IllegalArgumentException("memory region " + name() + " cannot contain itself");
        }
        region.parent = this;
        region.address = offset;
        region.priority = priority;
        children.add(region);
        layoutChanged();
    }

    /** Removes {@code region}, which must be a subregion of this container. */
    public void removeSubregion(MemoryRegion region) {
        if (region.parent != this || !children.remove(region)) {
            throw new IllegalArgumentException("memory region " + region.name() + " is not inside " + name());
        }
        region.parent = null;
        layoutChanged();
    }

    /** The subregions, in the order they were added. */
    public List<MemoryRegion> subregions() {
        return List.copyOf(children);
    }

    void addLayoutListener(Runnable listener) {
        listeners.add(listener);
    }

    void removeLayoutListener(Runnable listener) {
        listeners.remove(listener);
    }

    List<MemoryRegion> childrenView() {
        return children;
    }

    @Override
    void layoutChanged() {
        for (int i = 0; i < listeners.size(); i++) {
            listeners.get(i).run();
        }
        super.layoutChanged();
    }
}
