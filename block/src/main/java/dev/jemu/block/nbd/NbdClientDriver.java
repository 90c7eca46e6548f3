package dev.jemu.block.nbd;

import dev.jemu.aio.AioContext;
import dev.jemu.aio.ClockType;
import dev.jemu.block.BlockDriver;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.BlockStatus;
import dev.jemu.block.ImageInfo;
import dev.jemu.block.Preallocation;
import dev.jemu.block.RequestFlags;
import dev.jemu.block.SyncIo;
import dev.jemu.coroutine.Coroutine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The {@code nbd} protocol driver: a disk served by an NBD server. Requests larger than the
 * server's maximum payload are split; FUA, flush, trim and write-zeroes are passed on when the
 * server advertises them (a FUA write to a server without FUA is followed by a flush; trim on a
 * server without it does nothing; write-zeroes without it falls back to the request layer);
 * block status comes from {@code base:allocation} when negotiated, else everything is data.
 * With {@code reconnect-delay=N}, a lost connection is re-established in the background and
 * requests wait up to N seconds for it before failing (QEMU's semantics); requests that were in
 * flight are sent again, so a write may reach the disk twice, as with QEMU.
 *
 * <p>The driver belongs to the AioContext of the thread that opened it; its coroutine functions
 * must run there.
 */
public final class NbdClientDriver implements BlockDriver {
    /** TRIM, WRITE_ZEROES and BLOCK_STATUS lengths are 32-bit: ranges are cut into pieces of at most this. */
    private static final long MAX_RANGE = 1L << 30;

    /** How long a failed reconnection attempt waits before the next. */
    private static final long RETRY_NS = 200_000_000L;

    private final NbdAddress address;
    private final boolean readOnly;
    private final long reconnectDelayNs;
    private final AioContext context;
    private NbdClient client;
    private Coroutine reconnector;
    /** Why the last reconnection attempt failed, or null: reported with the requests it fails. */
    private IOException reconnectFailure;
    /** Set when a reconnection found a different export: the driver then fails every request. */
    private boolean exportChanged;
    private final long size;
    private final int flags;
    private final int alignment;
    private final int maxPayload;
    private boolean closed;

    private NbdClientDriver(NbdAddress address, boolean readOnly, long reconnectDelayNs, NbdClient client,
                            AioContext context) {
        this.address = address;
        this.readOnly = readOnly;
        this.reconnectDelayNs = reconnectDelayNs;
        this.client = client;
        this.context = context;
        this.size = client.info.size;
        this.flags = client.info.transmissionFlags;
        this.alignment = client.info.minBlock;
        this.maxPayload = client.info.maxPayload;
    }

    /**
     * Opens the export described by {@code filename=nbd://...} or {@code server.*}/{@code export}
     * options and {@code reconnect-delay} (seconds, default 0), taking those keys from {@code opts}.
     */
    public static NbdClientDriver open(BlockOptions opts, boolean readOnly) throws IOException {
        NbdAddress address = NbdAddress.fromOptions(opts);
        String delay = opts.get("reconnect-delay", "0");
        long seconds;
        try {
            seconds = Long.parseLong(delay);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 0 || seconds > 3600) {
            throw new BlockException("nbd: reconnect-delay '" + delay + "' must be a number of seconds from 0 to 3600");
        }
        return open(address, readOnly, TimeUnit.SECONDS.toNanos(seconds));
    }

    /** Connects and negotiates, without reconnection; may be called in or outside a coroutine. */
    public static NbdClientDriver open(NbdAddress address, boolean readOnly) throws IOException {
        return open(address, readOnly, 0);
    }

    /**
     * Connects and negotiates; may be called in or outside a coroutine. If the connection is
     * lost later, requests wait up to {@code reconnectDelayNs} while the driver reconnects, and
     * are then sent again; after that they fail, while reconnection goes on in the background.
     */
    public static NbdClientDriver open(NbdAddress address, boolean readOnly, long reconnectDelayNs)
            throws IOException {
        AioContext ctx = SyncIo.context();
        NbdClient client = SyncIo.call(() -> connect(address, readOnly, ctx));
        return new NbdClientDriver(address, readOnly, reconnectDelayNs, client, ctx);
    }

    /**
     * One connection and handshake. Coroutine function. A failure to connect is QEMU's inner
     * message ({@code Failed to connect to 'PATH': ...}); a tool names the image it opened.
     */
    private static NbdClient connect(NbdAddress address, boolean readOnly, AioContext ctx) throws IOException {
        NbdSocket sock = NbdSocket.connect(address, ctx);
        NbdClientHandshake hs = new NbdClientHandshake(sock, address);
        try {
            hs.run();
            if (!readOnly && (hs.transmissionFlags & Nbd.TFLAG_READ_ONLY) != 0) {
                throw new BlockException(address + ": Permission denied: the export is read-only");
            }
        } catch (IOException e) {
            sock.close();
            String m = String.valueOf(e.getMessage());
            throw new BlockException(m.startsWith(address.toString()) ? m : address + ": " + m, e);
        } catch (RuntimeException e) {
            sock.close();
            throw e;
        }
        NbdClient client = new NbdClient(sock, address, ctx, hs);
        client.start();
        return client;
    }

    /** Where this driver is connected. */
    public NbdAddress address() {
        return address;
    }

    /** The transmission flags the server advertised. */
    public int transmissionFlags() {
        return flags;
    }

    /** Whether structured replies were negotiated. */
    public boolean structuredReplies() {
        return client.info.structured;
    }

    /** Whether base:allocation block status was negotiated. */
    public boolean hasBlockStatus() {
        return client.info.baseAllocationId >= 0;
    }

    @Override
    public String formatName() {
        return "nbd";
    }

    @Override
    public long length() {
        return size;
    }

    @Override
    public int requestAlignment() {
        return alignment;
    }

    private void checkThread() {
        if (AioContext.current() != context) {
            throw new IllegalStateException(address + ": NBD request from a thread other than the driver's AioContext");
        }
    }

    @Override
    public void coPreadv(long offset, ByteBuffer buf, int bufOffset, int bytes) throws IOException {
        checkThread();
        for (int done = 0; done < bytes; ) {
            int n = Math.min(maxPayload, bytes - done);
            call(Nbd.CMD_READ, 0, offset + done, n, buf, bufOffset + done, null);
            done += n;
        }
    }

    @Override
    public void coPwritev(long offset, ByteBuffer buf, int bufOffset, int bytes, int reqFlags) throws IOException {
        checkThread();
        boolean fua = (reqFlags & RequestFlags.FUA) != 0;
        int cmdFlags = fua && has(Nbd.TFLAG_SEND_FUA) ? Nbd.CMD_FLAG_FUA : 0;
        for (int done = 0; done < bytes; ) {
            int n = Math.min(maxPayload, bytes - done);
            call(Nbd.CMD_WRITE, cmdFlags, offset + done, n, buf, bufOffset + done, null);
            done += n;
        }
        if (fua && cmdFlags == 0) {
            coFlush();
        }
    }

    @Override
    public void coFlush() throws IOException {
        checkThread();
        if (has(Nbd.TFLAG_SEND_FLUSH)) {
            call(Nbd.CMD_FLUSH, 0, 0, 0, null, 0, null);
        }
    }

    @Override
    public void coPdiscard(long offset, long bytes) throws IOException {
        checkThread();
        if (!has(Nbd.TFLAG_SEND_TRIM)) {
            return;
        }
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(MAX_RANGE, bytes - done);
            call(Nbd.CMD_TRIM, 0, offset + done, n, null, 0, null);
            done += n;
        }
    }

    @Override
    public void coPwriteZeroes(long offset, long bytes, int reqFlags) throws IOException {
        checkThread();
        if (!has(Nbd.TFLAG_SEND_WRITE_ZEROES)) {
            throw new UnsupportedOperationException(address + ": the server does not support WRITE_ZEROES");
        }
        int cmdFlags = 0;
        if ((reqFlags & RequestFlags.MAY_UNMAP) == 0) {
            cmdFlags |= Nbd.CMD_FLAG_NO_HOLE;
        }
        boolean fua = (reqFlags & RequestFlags.FUA) != 0;
        if (fua && has(Nbd.TFLAG_SEND_FUA)) {
            cmdFlags |= Nbd.CMD_FLAG_FUA;
        }
        if ((reqFlags & RequestFlags.NO_FALLBACK) != 0) {
            if (!has(Nbd.TFLAG_SEND_FAST_ZERO)) {
                throw new UnsupportedOperationException(address + ": the server cannot promise fast zeroing");
            }
            cmdFlags |= Nbd.CMD_FLAG_FAST_ZERO;
        }
        long piece = MAX_RANGE - MAX_RANGE % alignment;
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(piece, bytes - done);
            call(Nbd.CMD_WRITE_ZEROES, cmdFlags, offset + done, n, null, 0, null);
            done += n;
        }
        if (fua && !has(Nbd.TFLAG_SEND_FUA)) {
            coFlush();
        }
    }

    @Override
    public void coBlockStatus(long offset, long bytes, BlockStatus out) throws IOException {
        checkThread();
        if (!hasBlockStatus()) {
            out.set(BlockStatus.DATA | BlockStatus.ALLOCATED | BlockStatus.OFFSET_VALID, bytes, offset, null);
            return;
        }
        long n = Math.min(bytes, MAX_RANGE - MAX_RANGE % alignment);
        call(Nbd.CMD_BLOCK_STATUS, Nbd.CMD_FLAG_REQ_ONE, offset, (int) n, null, 0, out);
    }

    @Override
    public void coTruncate(long length, Preallocation prealloc) throws IOException {
        throw new BlockException(address + ": Cannot resize an NBD export");
    }

    @Override
    public ImageInfo getInfo() {
        return ImageInfo.simple("nbd", size);
    }

    /**
     * Sends a request on the current connection; if that connection is lost and reconnect-delay
     * allows, waits for a new one and sends the request again.
     */
    private void call(int type, int cmdFlags, long offset, int length, ByteBuffer buf, int bufOffset,
                      BlockStatus status) throws IOException {
        long deadline = 0;
        while (true) {
            if (exportChanged) {
                throw new BlockException(reconnectFailure.getMessage(), reconnectFailure);
            }
            NbdClient c = client;
            try {
                c.request(type, cmdFlags, offset, length, buf, bufOffset, status);
                return;
            } catch (NbdConnectionLostException e) {
                if (reconnectDelayNs == 0 || closed) {
                    throw e;
                }
                long now = ClockType.REALTIME.nowNs();
                if (deadline == 0) {
                    deadline = now + reconnectDelayNs;
                }
                startReconnecting();
                while (client == c && !closed && !exportChanged && now < deadline) {
                    Coroutine.sleepNs(ClockType.REALTIME, Math.min(RETRY_NS, deadline - now));
                    now = ClockType.REALTIME.nowNs();
                }
                if (exportChanged) {
                    continue;
                }
                if (client == c) {
                    if (reconnectFailure != null) {
                        e.addSuppressed(reconnectFailure);
                    }
                    throw e;
                }
            }
        }
    }

    /** Starts the coroutine that reconnects, unless it runs already. */
    private void startReconnecting() {
        if (reconnector != null) {
            return;
        }
        reconnector = Coroutine.create(opaque -> reconnect(), null);
        context.enter(reconnector);
    }

    /**
     * Tries to connect until it succeeds or the driver is closed, keeping the last failure for the
     * requests that give up; stops for good if the server now offers a different export.
     */
    private void reconnect() {
        try {
            while (!closed) {
                NbdClient c;
                try {
                    c = connect(address, readOnly, context);
                } catch (IOException e) {
                    reconnectFailure = e;
                    Coroutine.sleepNs(ClockType.REALTIME, RETRY_NS);
                    continue;
                }
                if (c.info.size != size || c.info.transmissionFlags != flags || c.info.minBlock != alignment) {
                    c.close();
                    reconnectFailure = new BlockException(address + ": the export changed across reconnection (size "
                            + size + " -> " + c.info.size + ", flags 0x" + Integer.toHexString(flags) + " -> 0x"
                            + Integer.toHexString(c.info.transmissionFlags) + ", minimum block " + alignment + " -> "
                            + c.info.minBlock + ")");
                    exportChanged = true;
                } else if (closed) {
                    c.close();
                } else {
                    reconnectFailure = null;
                    client = c;
                }
                return;
            }
        } finally {
            reconnector = null;
        }
    }

    private boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Disconnects (sending DISC). Home thread; the caller has drained. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            client.close();
        }
    }

    @Override
    public String toString() {
        return Objects.toString(address);
    }
}
