package dev.jemu.block.nbd;

import dev.jemu.block.BlockBackend;
import dev.jemu.block.RequestFlags;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Executes one validated transmission request against an export's backend and encodes its
 * reply into {@link NbdServerRequest#reply}. Runs inside a worker coroutine on the export's
 * AioContext; the connection validated the request's flags, range and permissions before.
 */
final class NbdServerExec {
    /** Error messages in ERROR chunks are cut to this many bytes. */
    private static final int MAX_MESSAGE = 1024;

    private NbdServerExec() {
    }

    static void execute(NbdExport export, NbdServerRequest r) {
        BlockBackend backend = export.backend();
        ByteBufAllocator alloc = r.connection.alloc();
        boolean structured = r.connection.structured();
        try {
            switch (r.type) {
                case Nbd.CMD_READ -> {
                    read(export, r, alloc, structured);
                    return;
                }
                case Nbd.CMD_BLOCK_STATUS -> {
                    blockStatus(export, r, alloc);
                    return;
                }
                case Nbd.CMD_WRITE -> write(export, r);
                case Nbd.CMD_FLUSH -> backend.coFlush();
                case Nbd.CMD_TRIM -> {
                    if (export.unmap() && r.length > 0) {
                        backend.coPdiscard(r.offset, r.length);
                    }
                    if ((r.flags & Nbd.CMD_FLAG_FUA) != 0) {
                        backend.coFlush();
                    }
                }
                case Nbd.CMD_WRITE_ZEROES -> {
                    if (r.length > 0) {
                        backend.coPwriteZeroes(r.offset, Integer.toUnsignedLong(r.length), export.zeroFlags(r.flags));
                    }
                }
                case Nbd.CMD_CACHE -> {
                    // The export's data is already in this process's reach: nothing to prefetch.
                }
                default -> throw new IllegalStateException("unvalidated command " + r.type);
            }
            r.reply = simpleReply(alloc, 0, r.cookie);
        } catch (IOException | RuntimeException e) {
            r.reply = errorReply(alloc, r, chunked(r, structured), errno(e), e.getMessage());
        } catch (OutOfMemoryError e) {
            // No buffer for this request's data: this request fails, the server goes on.
            r.reply = errorReply(alloc, r, chunked(r, structured), Nbd.ENOMEM,
                    "Cannot allocate memory for " + Nbd.commandName(r.type) + " of " + r.length + " bytes");
        }
    }

    /** Whether {@code r}'s error goes out as an ERROR chunk rather than a simple reply. */
    private static boolean chunked(NbdServerRequest r, boolean structured) {
        return structured && (r.type == Nbd.CMD_READ || r.type == Nbd.CMD_BLOCK_STATUS);
    }

    private static void write(NbdExport export, NbdServerRequest r) throws IOException {
        BlockBackend backend = export.backend();
        ByteBuf p = r.payload;
        int len = r.length;
        if (len == 0) {
            return;
        }
        int flags = (r.flags & Nbd.CMD_FLAG_FUA) != 0 ? RequestFlags.FUA : 0;
        if (export.detectZeroes() != NbdExport.DetectZeroes.OFF && NbdExport.isZero(p, p.readerIndex(), len)) {
            if (export.detectZeroes() == NbdExport.DetectZeroes.UNMAP && export.unmap()) {
                flags |= RequestFlags.MAY_UNMAP;
            }
            backend.coPwriteZeroes(r.offset, len, flags);
            return;
        }
        ByteBuffer data = p.nioBuffer(p.readerIndex(), len);
        backend.coPwritev(r.offset, data, 0, len, flags);
    }

    private static void read(NbdExport export, NbdServerRequest r, ByteBufAllocator alloc, boolean structured)
            throws IOException {
        BlockBackend backend = export.backend();
        int len = r.length;
        if (!structured) {
            ByteBuf buf = alloc.directBuffer(Nbd.SIMPLE_REPLY_SIZE + len);
            try {
                ByteBuffer h = header(buf, Nbd.SIMPLE_REPLY_SIZE);
                NbdCodec.putSimpleReply(h, h.position(), 0, r.cookie);
                readInto(backend, buf, r.offset, len);
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
                buf.release();
                throw e;
            }
            r.reply = buf;
            return;
        }
        if (len == 0) {
            r.reply = noneChunk(alloc, r.cookie);
            return;
        }
        int n;
        if ((r.flags & Nbd.CMD_FLAG_DF) != 0) {
            n = 0;
        } else {
            n = export.allocationExtents(r, r.offset, len, NbdServerRequest.MAX_EXTENTS);
            long covered = r.extentOffset[n - 1] + r.extentLength[n - 1] - r.offset;
            if (covered < len) {
                // More extents than one reply describes: the rest goes out as data.
                if ((r.extentFlags[n - 1] & Nbd.STATE_ZERO) == 0) {
                    r.extentLength[n - 1] += len - covered;
                } else if (n < NbdServerRequest.MAX_EXTENTS) {
                    r.extentOffset[n] = r.offset + covered;
                    r.extentLength[n] = len - covered;
                    r.extentFlags[n] = 0;
                    n++;
                } else {
                    r.extentLength[n - 1] = len - (r.extentOffset[n - 1] - r.offset);
                    r.extentFlags[n - 1] = 0;
                }
            }
        }
        if (n <= 1 && (n == 0 || (r.extentFlags[0] & Nbd.STATE_ZERO) == 0)) {
            n = 1;
            r.extentOffset[0] = r.offset;
            r.extentLength[0] = len;
            r.extentFlags[0] = 0;
        }
        int size = 0;
        for (int i = 0; i < n; i++) {
            size += Nbd.CHUNK_HEADER_SIZE + ((r.extentFlags[i] & Nbd.STATE_ZERO) != 0 ? 12 : 8 + (int) r.extentLength[i]);
        }
        ByteBuf buf = alloc.directBuffer(size);
        try {
            for (int i = 0; i < n; i++) {
                int chunkFlags = i == n - 1 ? Nbd.REPLY_FLAG_DONE : 0;
                int extentLen = (int) r.extentLength[i];
                if ((r.extentFlags[i] & Nbd.STATE_ZERO) != 0) {
                    ByteBuffer h = header(buf, Nbd.CHUNK_HEADER_SIZE + 12);
                    int at = h.position();
                    NbdCodec.putChunk(h, at, chunkFlags, Nbd.REPLY_TYPE_OFFSET_HOLE, r.cookie, 12);
                    h.putLong(at + Nbd.CHUNK_HEADER_SIZE, r.extentOffset[i]);
                    h.putInt(at + Nbd.CHUNK_HEADER_SIZE + 8, extentLen);
                } else {
                    ByteBuffer h = header(buf, Nbd.CHUNK_HEADER_SIZE + 8);
                    int at = h.position();
                    NbdCodec.putChunk(h, at, chunkFlags, Nbd.REPLY_TYPE_OFFSET_DATA, r.cookie, 8 + extentLen);
                    h.putLong(at + Nbd.CHUNK_HEADER_SIZE, r.extentOffset[i]);
                    readInto(backend, buf, r.extentOffset[i], extentLen);
                }
            }
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            buf.release();
            throw e;
        }
        r.reply = buf;
    }

    private static void readInto(BlockBackend backend, ByteBuf buf, long offset, int len) throws IOException {
        int at = buf.writerIndex();
        buf.writerIndex(at + len);
        ByteBuffer data = buf.internalNioBuffer(at, len);
        backend.coPreadv(offset, data, data.position(), len);
    }

    private static void blockStatus(NbdExport export, NbdServerRequest r, ByteBufAllocator alloc) throws IOException {
        int max = (r.flags & Nbd.CMD_FLAG_REQ_ONE) != 0 ? 1 : NbdServerRequest.MAX_EXTENTS;
        int n = export.allocationExtents(r, r.offset, Integer.toUnsignedLong(r.length), max);
        int payload = 4 + 8 * n;
        ByteBuf buf = alloc.directBuffer(Nbd.CHUNK_HEADER_SIZE + payload);
        ByteBuffer h = header(buf, Nbd.CHUNK_HEADER_SIZE + payload);
        int at = h.position();
        NbdCodec.putChunk(h, at, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_BLOCK_STATUS, r.cookie, payload);
        at += Nbd.CHUNK_HEADER_SIZE;
        h.putInt(at, NbdServerConnection.BASE_ALLOCATION_ID);
        for (int i = 0; i < n; i++) {
            h.putInt(at + 4 + 8 * i, (int) r.extentLength[i]);
            h.putInt(at + 8 + 8 * i, r.extentFlags[i]);
        }
        r.reply = buf;
    }

    /** Reserves {@code size} bytes at the end of {@code buf} and returns a view positioned on them. */
    private static ByteBuffer header(ByteBuf buf, int size) {
        int at = buf.writerIndex();
        buf.ensureWritable(size);
        buf.writerIndex(at + size);
        return buf.internalNioBuffer(at, size);
    }

    static ByteBuf simpleReply(ByteBufAllocator alloc, int error, long cookie) {
        ByteBuf buf = alloc.directBuffer(Nbd.SIMPLE_REPLY_SIZE);
        ByteBuffer h = header(buf, Nbd.SIMPLE_REPLY_SIZE);
        NbdCodec.putSimpleReply(h, h.position(), error, cookie);
        return buf;
    }

    static ByteBuf noneChunk(ByteBufAllocator alloc, long cookie) {
        ByteBuf buf = alloc.directBuffer(Nbd.CHUNK_HEADER_SIZE);
        ByteBuffer h = header(buf, Nbd.CHUNK_HEADER_SIZE);
        NbdCodec.putChunk(h, h.position(), Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, cookie, 0);
        return buf;
    }

    /** An error reply for {@code r}: an ERROR chunk carrying {@code message} if structured, else simple. */
    static ByteBuf errorReply(ByteBufAllocator alloc, NbdServerRequest r, boolean structured, int error, String message) {
        if (!structured) {
            return simpleReply(alloc, error, r.cookie);
        }
        byte[] text = message == null ? new byte[0] : message.getBytes(StandardCharsets.UTF_8);
        int textLen = Math.min(text.length, MAX_MESSAGE);
        ByteBuf buf = alloc.directBuffer(Nbd.CHUNK_HEADER_SIZE + 6 + textLen);
        ByteBuffer h = header(buf, Nbd.CHUNK_HEADER_SIZE + 6);
        int at = h.position();
        NbdCodec.putChunk(h, at, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_ERROR, r.cookie, 6 + textLen);
        h.putInt(at + Nbd.CHUNK_HEADER_SIZE, error);
        h.putShort(at + Nbd.CHUNK_HEADER_SIZE + 4, (short) textLen);
        buf.writeBytes(text, 0, textLen);
        return buf;
    }

    /** The NBD error value for a failure of the block layer. */
    static int errno(Throwable e) {
        if (e instanceof UnsupportedOperationException) {
            return Nbd.ENOTSUP;
        }
        String m = e.getMessage();
        if (m != null) {
            if (m.contains("Permission denied") || m.contains("read-only")) {
                return Nbd.EPERM;
            }
            if (m.contains("No space left")) {
                return Nbd.ENOSPC;
            }
            if (m.contains("not supported")) {
                return Nbd.ENOTSUP;
            }
            if (m.contains("past the end") || m.contains("out of range")) {
                return Nbd.EINVAL;
            }
        }
        return Nbd.EIO;
    }
}
