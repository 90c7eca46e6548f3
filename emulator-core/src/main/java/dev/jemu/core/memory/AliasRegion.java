package dev.jemu.core.memory;

/**
 * A window of {@code size} bytes onto another region starting at {@code offset} inside it:
 * the same RAM or device seen at a second address (PAM shadowing, the high BIOS mapping,
 * low memory below 4 GiB).
 */
public final class AliasRegion extends MemoryRegion {
    private final MemoryRegion target;
    private final long targetOffset;

    /** Creates an alias of {@code target}'s bytes {@code [offset, offset + size)}. */
    public AliasRegion(String name, MemoryRegion target, long offset, long size) {
        super(name, size);
        if (offset < 0 || offset + size > target.size()) {
            throw new IllegalArgumentException("alias " + name + " reaches outside " + target.name());
        }
        this.target = target;
        this.targetOffset = offset;
    }

    /** The region seen through this alias. */
    public MemoryRegion target() {
        return target;
    }

    /** Where in the target this alias starts. */
    public long targetOffset() {
        return targetOffset;
    }
}
