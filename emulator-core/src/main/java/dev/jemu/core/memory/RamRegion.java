package dev.jemu.core.memory;

/**
 * RAM or ROM backed by a {@link RamBlock}. A read-only region (ROM, or RAM write-protected
 * by PAM) ignores guest writes; {@link #load} still fills it.
 */
public final class RamRegion extends MemoryRegion {
    private final RamBlock block;
    private boolean readOnly;

    private RamRegion(String name, RamBlock block, boolean readOnly) {
        super(name, block.size());
        this.block = block;
        this.readOnly = readOnly;
    }

    /** Zeroed, writable RAM of {@code size} bytes (a multiple of 4 KiB). */
    public static RamRegion ram(String name, long size) {
        return new RamRegion(name, new RamBlock(size), false);
    }

    /** ROM holding {@code image}, padded with zeros to a multiple of 4 KiB. */
    public static RamRegion rom(String name, byte[] image) {
        long size = (image.length + RamBlock.PAGE_SIZE - 1L) & -RamBlock.PAGE_SIZE;
        RamRegion r = new RamRegion(name, new RamBlock(Math.max(size, RamBlock.PAGE_SIZE)), true);
        r.block.writeBytes(0, image, 0, image.length);
        return r;
    }

    /** The storage. */
    public RamBlock block() {
        return block;
    }

    /** Whether guest writes are ignored. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** Makes guest writes take effect or be ignored (PAM write protection). */
    public void setReadOnly(boolean readOnly) {
        if (this.readOnly != readOnly) {
            this.readOnly = readOnly;
            layoutChanged();
        }
    }

    /** Copies {@code data} to {@code offset}, read-only or not (firmware and kernel loading). */
    public void load(long offset, byte[] data) {
        block.writeBytes(offset, data, 0, data.length);
    }
}
