package dev.jemu.block.raw;

import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The {@code raw} format: the disk is the bytes of its file child, optionally only the window
 * {@code [offset, offset + size)}. Without {@code size} the disk follows the file's length.
 */
public final class RawDriver implements BlockDriver {
    private final BlockDriverState file;
    private final long offset;
    private final long size;
    /** Whether the format was probed, not given: writes that would make block 0 look like another format are refused. */
    private boolean probed;

    /**
     * @param file the protocol child
     * @param offset start of the window in the file
     * @param size length of the window, or -1 for "up to the end of the file"
     */
    public RawDriver(BlockDriverState file, long offset, long size) throws BlockException {
        long fileLen = file.length();
        if (offset < 0 || offset > fileLen) {
            throw new BlockException("Could not open '" + file.filename() + "': The sum of offset ("
                    + offset + ") and size (0) has to be smaller or equal to the actual size of the"
                    + " containing file (" + fileLen + ")");
        }
        if (size >= 0 && (size > fileLen - offset)) {
            throw new BlockException("Could not open '" + file.filename() + "': The sum of offset ("
                    + offset + ") and size (" + size + ") has to be smaller or equal to the actual size"
                    + " of the containing file (" + fileLen + ")");
        }
        this.file = file;
        this.offset = offset;
        this.size = size;
    }

    @Override
    public String formatName() {
        return "raw";
    }

    /**
     * Marks the format as probed rather than given (QEMU's protection of probed raw images): from
     * now on a write that would put a format's magic at the start of the image fails with
     * "Operation not permitted", so a guest cannot turn its disk into, say, a qcow2 image whose
     * backing file is any host file.
     */
    public void restrictBlockZero() {
        probed = true;
    }

    /** Whether {@link #restrictBlockZero} is in force: the format was probed. */
    public boolean isProbed() {
        return probed;
    }

    @Override
    public long length() {
        return size >= 0 ? size : file.length() - offset;
    }

    @Override
    public void coPreadv(long off, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        file.coPreadv(offset + off, buf, bufOffset, bytes);
    }

    @Override
    public void coPwritev(long off, ByteBuffer buf, int bufOffset, int bytes, int flags) throws IOException {
        if (probed && off < BlockGraph.PROBE_BYTES && !"raw".equals(BlockGraph.probeBytes(headAfterWrite(off, buf, bufOffset, bytes)))) {
            throw new IOException("Operation not permitted: write to block 0 of a probed raw image would change its format");
        }
        file.coPwritev(offset + off, buf, bufOffset, bytes, flags);
    }

    /** The first {@link BlockGraph#PROBE_BYTES} bytes of the image as they would be after the write. */
    private byte[] headAfterWrite(long off, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        byte[] head = new byte[(int) Math.min(BlockGraph.PROBE_BYTES, length())];
        ByteBuffer current = ByteBuffer.wrap(head);
        file.coPreadv(offset, current, 0, head.length);
        for (int i = 0; i < bytes && off + i < head.length; i++) {
            head[(int) off + i] = buf.get(bufOffset + i);
        }
        return head;
    }

    @Override
    public void coFlush() throws IOException {
        file.coFlush();
    }

    @Override
    public void coPdiscard(long off, long bytes) throws IOException {
        file.coPdiscard(offset + off, bytes);
    }

    @Override
    public void coPwriteZeroes(long off, long bytes, int flags) throws IOException {
        file.coPwriteZeroes(offset + off, bytes, flags);
    }

    @Override
    public void coBlockStatus(long off, long bytes, BlockStatus out) throws IOException {
        if (offset + off >= file.length()) {
            out.set(BlockStatus.ZERO | BlockStatus.ALLOCATED, bytes, 0, null);
            return;
        }
        file.coBlockStatus(offset + off, Math.min(bytes, file.length() - offset - off), out);
        out.flags |= BlockStatus.ALLOCATED;
        out.hostOffset = offset + off;
        out.hostNode = file;
    }

    @Override
    public void coTruncate(long length, Preallocation prealloc) throws IOException {
        if (size >= 0 || offset != 0) {
            throw new BlockException(file.filename() + ": Cannot resize a raw image with offset or size options");
        }
        file.coTruncate(length, prealloc);
    }

    @Override
    public ImageInfo getInfo() {
        return ImageInfo.simple("raw", length());
    }

    @Override
    public BlockDriverState fileChild() {
        return file;
    }

    @Override
    public void close() {
        // The file child is closed by the node.
    }
}
