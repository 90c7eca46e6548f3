package dev.jemu.core.memory;

/**
 * A named, sized piece of an address space: RAM or ROM, MMIO, an alias of part of another
 * region, or a container of subregions. A region is placed in at most one container, at an
 * address and with a priority; it can be enabled, disabled and moved at run time, and
 * every such change makes the address spaces that contain it rebuild their flat views.
 *
 * <p>Threading: layout changes are made under the big emulator lock.
 */
public abstract sealed class MemoryRegion permits RamRegion, MmioRegion, AliasRegion, ContainerRegion {
    private final String name;
    private final long size;
    ContainerRegion parent;
    long address;
    int priority;
    private boolean enabled = true;

    MemoryRegion(String name, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("memory region " + name + ": size must be positive, not " + size);
        }
        this.name = name;
        this.size = size;
    }

    /** The name given at creation, used in messages. */
    public final String name() {
        return name;
    }

    /** The size in bytes. */
    public final long size() {
        return size;
    }

    /** The address of this region inside its container (0 when not placed). */
    public final long address() {
        return address;
    }

    /** The priority among overlapping siblings; higher wins. */
    public final int priority() {
        return priority;
    }

    /** Whether this region takes part in its address space's layout. */
    public final boolean isEnabled() {
        return enabled;
    }

    /** Enables or disables this region (a disabled region is as if absent). */
    public final void setEnabled(boolean enabled) {
        if (this.enabled != enabled) {
            this.enabled = enabled;
            layoutChanged();
        }
    }

    /** Moves this region to {@code newAddress} inside its container (a PCI BAR being programmed). */
    public final void setAddress(long newAddress) {
        if (address != newAddress) {
            address = newAddress;
            layoutChanged();
        }
    }

    /** Tells every address space that contains this region that its layout changed. */
    void layoutChanged() {
        if (parent != null) {
            parent.layoutChanged();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + name + ", size 0x" + Long.toHexString(size) + ")";
    }
}
