package dev.jemu.block.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of the server, a Netty channel on the export context's event loop: the
 * fixed-newstyle handshake (options answered in order, unknown ones with ERR_UNSUP, so the client
 * never loses sync) and the decoding and validation of transmission requests, which a worker
 * coroutine of the export executes ({@link NbdExport#execute}) and whose replies it writes
 * through {@link #completed}. All state here is touched only by the context's home thread.
 *
 * <p>Hostile input: a bad magic, unknown client flags, an EXPORT_NAME for a missing export, a
 * WRITE payload over 32 MiB or a handshake not finished within the configured time closes the
 * connection; everything else that can be answered (bad ranges, flags or lengths, reads over 32
 * MiB, writes to a read-only export) gets an error reply and the connection goes on. At most
 * {@link #MAX_IN_FLIGHT} requests per connection are in flight, and it stops reading once it holds
 * {@link #MAX_IN_FLIGHT_BYTES} of READ and WRITE data (or the server {@link
 * NbdServer#MAX_PINNED_BYTES}), counting a reply until the client has taken all of it: a client
 * that sends READs without reading the replies pins at most that much (plus one request).
 */
final class NbdServerConnection extends ChannelInboundHandlerAdapter {
    /** Requests of one connection executing at the same time. */
    static final int MAX_IN_FLIGHT = 64;
    /**
     * Bytes of READ and WRITE data, executing or in replies not yet sent, past which a connection
     * stops reading. Small, so that a READ's data is still in the CPU's caches when its reply goes
     * into the socket: with 64 MiB (64 READs of 256 KiB from nbdcopy in flight) the home thread
     * took 15-20 % more CPU for the same copy than with 1-2 MiB. A larger request still runs, alone.
     */
    static final long MAX_IN_FLIGHT_BYTES = 2L << 20;
    /** The id of the base:allocation metadata context. */
    static final int BASE_ALLOCATION_ID = 1;

    private enum Phase { CLIENT_FLAGS, OPTION, SKIP_OPTION, TRANSMISSION, WRITE_PAYLOAD, CLOSING }

    private final NbdServer server;
    private final ByteBuffer scratch = ByteBuffer.allocate(64);
    private final NbdCodec.Option option = new NbdCodec.Option();
    private final NbdCodec.Request request = new NbdCodec.Request();

    private Channel channel;
    private ByteBuf input;
    private Phase phase = Phase.CLIENT_FLAGS;
    private ScheduledFuture<?> handshakeTimer;
    private boolean fixedNewstyle;
    private boolean noZeroes;
    private boolean structured;
    /** The export named in a successful SET_META_CONTEXT with base:allocation, or null. */
    private String metaContextExport;
    private boolean metaContext;
    private NbdExport export;
    private long skipRemaining;
    private int inFlight;
    private long inFlightBytes;
    /** Reply bytes written since the outbound buffer was last empty. */
    private long outboundBytes;
    private boolean paused;
    /** Whether this connection is on the server's list of those waiting for memory. */
    private boolean waitingForMemory;
    /** Resumes reading from a fresh event loop task, outside whatever released memory. */
    private final Runnable resumer = this::resume;
    /** The error value of the last request {@link #validate()} refused. */
    private int invalidErrno;

    private final int id;

    NbdServerConnection(NbdServer server, int id) {
        this.server = server;
        this.id = id;
    }

    /** Whether structured replies were negotiated. Fixed once transmission starts; any thread. */
    boolean structured() {
        return structured;
    }

    ByteBufAllocator alloc() {
        return channel.alloc();
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        channel.config().setAutoRead(false);
        server.connectionArrived(this);
    }

    /** Greets the client: the server has a slot for it ({@link NbdServer#connectionArrived}). */
    void start() {
        server.log("client " + id + " connected from " + describe(channel.remoteAddress()));
        channel.config().setAutoRead(true);
        ByteBuf greeting = channel.alloc().buffer(18);
        greeting.writeLong(Nbd.NBDMAGIC).writeLong(Nbd.IHAVEOPT)
                .writeShort(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        channel.writeAndFlush(greeting, channel.voidPromise());
        handshakeTimer = channel.eventLoop().schedule(
                () -> drop("handshake not finished within " + server.handshakeTimeoutMs() + " ms"),
                server.handshakeTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable() && outboundBytes > 0) {
            long drained = outboundBytes;
            outboundBytes = 0;
            server.unpin(drained);
            resumeLater();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        phase = Phase.CLOSING;
        server.unpin(outboundBytes);
        outboundBytes = 0;
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (input != null) {
            input.release();
            input = null;
        }
        server.connectionClosed(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (phase == Phase.CLOSING) {
            in.release();
            return;
        }
        append(in);
        process();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        drop("connection error: " + cause.getMessage());
    }

    /** Appends {@code in} to the input, never moving bytes a retained WRITE payload still uses. */
    private void append(ByteBuf in) {
        if (input == null || !input.isReadable()) {
            if (input != null) {
                input.release();
            }
            input = in;
            return;
        }
        if (input.refCnt() == 1) {
            if (input.writableBytes() < in.readableBytes() && input.readerIndex() > 0) {
                input.discardReadBytes();
            }
            input.writeBytes(in);
            in.release();
            return;
        }
        int needed = input.readableBytes() + in.readableBytes();
        long expected = phase == Phase.WRITE_PAYLOAD ? Nbd.REQUEST_SIZE + request.length : 0;
        ByteBuf merged = channel.alloc().directBuffer((int) Math.max(Math.max(needed, expected), 64 << 10));
        merged.writeBytes(input).writeBytes(in);
        input.release();
        in.release();
        input = merged;
    }

    /** Consumes what the input holds, as far as the phase allows. */
    private void process() {
        try {
            boolean progress = true;
            while (progress && input != null && phase != Phase.CLOSING) {
                progress = switch (phase) {
                    case CLIENT_FLAGS -> clientFlags();
                    case OPTION -> option();
                    case SKIP_OPTION -> skipOption();
                    case TRANSMISSION -> transmission();
                    case WRITE_PAYLOAD -> writePayload();
                    case CLOSING -> false;
                };
            }
        } catch (NbdProtocolException e) {
            drop(e.getMessage());
        }
    }

    private ByteBuffer peek(int bytes) {
        scratch.clear();
        input.getBytes(input.readerIndex(), scratch.array(), 0, bytes);
        return scratch;
    }

    // ---------------------------------------------------------------- handshake

    private boolean clientFlags() throws NbdProtocolException {
        if (input.readableBytes() < 4) {
            return false;
        }
        int flags = input.readInt();
        if ((flags & ~(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES)) != 0) {
            throw new NbdProtocolException(String.format("unknown client flags 0x%x", flags));
        }
        fixedNewstyle = (flags & Nbd.FLAG_C_FIXED_NEWSTYLE) != 0;
        noZeroes = (flags & Nbd.FLAG_C_NO_ZEROES) != 0;
        phase = Phase.OPTION;
        return true;
    }

    private boolean option() throws NbdProtocolException {
        if (input.readableBytes() < Nbd.OPTION_HEADER_SIZE) {
            return false;
        }
        NbdCodec.getOption(peek(Nbd.OPTION_HEADER_SIZE), 0, option);
        if (option.length > Nbd.MAX_OPTION_LENGTH) {
            if (!fixedNewstyle || option.option == Nbd.OPT_EXPORT_NAME) {
                throw new NbdProtocolException(Nbd.optionName(option.option) + " with " + option.length
                        + " bytes of data");
            }
            input.skipBytes(Nbd.OPTION_HEADER_SIZE);
            skipRemaining = option.length;
            phase = Phase.SKIP_OPTION;
            return true;
        }
        int len = (int) option.length;
        if (input.readableBytes() < Nbd.OPTION_HEADER_SIZE + len) {
            return false;
        }
        input.skipBytes(Nbd.OPTION_HEADER_SIZE);
        ByteBuf data = input.readSlice(len);
        handleOption(option.option, data);
        return true;
    }

    private boolean skipOption() {
        int n = (int) Math.min(skipRemaining, input.readableBytes());
        input.skipBytes(n);
        skipRemaining -= n;
        if (skipRemaining > 0) {
            return false;
        }
        phase = Phase.OPTION;
        optionError(option.option, Nbd.REP_ERR_TOO_BIG, "option data too long");
        return true;
    }

    private void handleOption(int opt, ByteBuf data) throws NbdProtocolException {
        if (!fixedNewstyle && opt != Nbd.OPT_EXPORT_NAME && opt != Nbd.OPT_ABORT && opt != Nbd.OPT_LIST) {
            throw new NbdProtocolException(Nbd.optionName(opt) + " from a client without fixed newstyle");
        }
        switch (opt) {
            case Nbd.OPT_EXPORT_NAME -> exportName(data);
            case Nbd.OPT_ABORT -> {
                optionReply(opt, Nbd.REP_ACK, null);
                phase = Phase.CLOSING;
                closeAfterFlush();
            }
            case Nbd.OPT_LIST -> list(data);
            case Nbd.OPT_STRUCTURED_REPLY -> {
                if (data.isReadable()) {
                    optionError(opt, Nbd.REP_ERR_INVALID, "STRUCTURED_REPLY takes no data");
                } else if (structured) {
                    optionError(opt, Nbd.REP_ERR_INVALID, "structured replies already negotiated");
                } else {
                    structured = true;
                    optionReply(opt, Nbd.REP_ACK, null);
                }
            }
            case Nbd.OPT_INFO, Nbd.OPT_GO -> infoOrGo(opt, data);
            case Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT -> metaContext(opt, data);
            case Nbd.OPT_STARTTLS -> optionError(opt, Nbd.REP_ERR_POLICY, "TLS is not supported by this server");
            default -> optionError(opt, Nbd.REP_ERR_UNSUP, Nbd.optionName(opt) + " is not supported");
        }
    }

    private void exportName(ByteBuf data) throws NbdProtocolException {
        String name = string(data, data.readableBytes(), "export name");
        NbdExport e = server.export(name);
        if (e == null) {
            throw new NbdProtocolException("EXPORT_NAME for export '" + name + "', which is not present");
        }
        ByteBuf out = channel.alloc().buffer(10 + (noZeroes ? 0 : 124));
        out.writeLong(e.size()).writeShort(e.transmissionFlags());
        if (!noZeroes) {
            out.writeZero(124);
        }
        channel.writeAndFlush(out, channel.voidPromise());
        startTransmission(e, name);
    }

    private void list(ByteBuf data) {
        if (data.isReadable()) {
            optionError(Nbd.OPT_LIST, Nbd.REP_ERR_INVALID, "LIST takes no data");
            return;
        }
        for (NbdExport e : server.exports()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] desc = e.description() == null ? new byte[0] : e.description().getBytes(StandardCharsets.UTF_8);
            ByteBuf payload = channel.alloc().buffer(4 + name.length + desc.length);
            payload.writeInt(name.length).writeBytes(name).writeBytes(desc);
            optionReply(Nbd.OPT_LIST, Nbd.REP_SERVER, payload);
        }
        optionReply(Nbd.OPT_LIST, Nbd.REP_ACK, null);
    }

    private void infoOrGo(int opt, ByteBuf data) throws NbdProtocolException {
        int len = data.readableBytes();
        if (len < 6) {
            optionError(opt, Nbd.REP_ERR_INVALID, Nbd.optionName(opt) + " data too short");
            return;
        }
        long nameLen = data.readUnsignedInt();
        if (nameLen > len - 6) {
            optionError(opt, Nbd.REP_ERR_INVALID, "export name length " + nameLen + " exceeds the option data");
            return;
        }
        String name = string(data, (int) nameLen, "export name");
        int requests = data.readUnsignedShort();
        if (data.readableBytes() != 2 * requests) {
            optionError(opt, Nbd.REP_ERR_INVALID, "information request count " + requests
                    + " does not match the option length");
            return;
        }
        boolean wantName = false;
        boolean wantDescription = false;
        for (int i = 0; i < requests; i++) {
            int info = data.readUnsignedShort();
            wantName |= info == Nbd.INFO_NAME;
            wantDescription |= info == Nbd.INFO_DESCRIPTION;
        }
        NbdExport e = server.export(name);
        if (e == null) {
            optionError(opt, Nbd.REP_ERR_UNKNOWN, "export '" + name + "' not present");
            return;
        }
        ByteBuf info = channel.alloc().buffer(12);
        info.writeShort(Nbd.INFO_EXPORT).writeLong(e.size()).writeShort(e.transmissionFlags());
        optionReply(opt, Nbd.REP_INFO, info);
        if (wantName) {
            byte[] n = e.name().getBytes(StandardCharsets.UTF_8);
            optionReply(opt, Nbd.REP_INFO, channel.alloc().buffer(2 + n.length).writeShort(Nbd.INFO_NAME).writeBytes(n));
        }
        if (wantDescription && e.description() != null) {
            byte[] d = e.description().getBytes(StandardCharsets.UTF_8);
            optionReply(opt, Nbd.REP_INFO,
                    channel.alloc().buffer(2 + d.length).writeShort(Nbd.INFO_DESCRIPTION).writeBytes(d));
        }
        ByteBuf sizes = channel.alloc().buffer(14);
        sizes.writeShort(Nbd.INFO_BLOCK_SIZE).writeInt(Nbd.MIN_BLOCK).writeInt(Nbd.PREFERRED_BLOCK)
                .writeInt(Nbd.MAX_PAYLOAD);
        optionReply(opt, Nbd.REP_INFO, sizes);
        optionReply(opt, Nbd.REP_ACK, null);
        if (opt == Nbd.OPT_GO) {
            startTransmission(e, name);
        }
    }

    private void metaContext(int opt, ByteBuf data) throws NbdProtocolException {
        int len = data.readableBytes();
        if (len < 8) {
            optionError(opt, Nbd.REP_ERR_INVALID, Nbd.optionName(opt) + " data too short");
            return;
        }
        long nameLen = data.readUnsignedInt();
        if (nameLen > len - 8) {
            optionError(opt, Nbd.REP_ERR_INVALID, "export name length " + nameLen + " exceeds the option data");
            return;
        }
        String name = string(data, (int) nameLen, "export name");
        long queries = data.readUnsignedInt();
        boolean all = queries == 0;
        boolean base = false;
        for (long i = 0; i < queries; i++) {
            if (data.readableBytes() < 4) {
                optionError(opt, Nbd.REP_ERR_INVALID, "metadata query " + i + " exceeds the option data");
                return;
            }
            long qlen = data.readUnsignedInt();
            if (qlen > data.readableBytes()) {
                optionError(opt, Nbd.REP_ERR_INVALID, "metadata query " + i + " exceeds the option data");
                return;
            }
            String query = string(data, (int) qlen, "metadata context query");
            base |= query.equals(Nbd.BASE_ALLOCATION) || (opt == Nbd.OPT_LIST_META_CONTEXT && query.equals("base:"));
        }
        if (data.isReadable()) {
            optionError(opt, Nbd.REP_ERR_INVALID, "trailing data after the metadata queries");
            return;
        }
        if (!structured) {
            optionError(opt, Nbd.REP_ERR_INVALID, "metadata contexts need structured replies first");
            return;
        }
        if (server.export(name) == null) {
            optionError(opt, Nbd.REP_ERR_UNKNOWN, "export '" + name + "' not present");
            return;
        }
        if (opt == Nbd.OPT_SET_META_CONTEXT) {
            metaContextExport = base ? name : null;
        }
        if (base || (all && opt == Nbd.OPT_LIST_META_CONTEXT)) {
            byte[] ctxName = Nbd.BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
            ByteBuf payload = channel.alloc().buffer(4 + ctxName.length);
            payload.writeInt(opt == Nbd.OPT_SET_META_CONTEXT ? BASE_ALLOCATION_ID : 0).writeBytes(ctxName);
            optionReply(opt, Nbd.REP_META_CONTEXT, payload);
        }
        optionReply(opt, Nbd.REP_ACK, null);
    }

    private static String string(ByteBuf data, int len, String what) throws NbdProtocolException {
        if (len > Nbd.MAX_STRING) {
            data.skipBytes(len);
            throw new NbdProtocolException(what + " longer than " + Nbd.MAX_STRING + " bytes");
        }
        byte[] bytes = new byte[len];
        data.readBytes(bytes);
        return NbdCodec.getString(ByteBuffer.wrap(bytes), 0, len, what);
    }

    private void optionReply(int opt, int type, ByteBuf payload) {
        int len = payload == null ? 0 : payload.readableBytes();
        ByteBuf out = channel.alloc().buffer(Nbd.OPTION_REPLY_HEADER_SIZE + len);
        out.writeLong(Nbd.OPTION_REPLY_MAGIC).writeInt(opt).writeInt(type).writeInt(len);
        if (payload != null) {
            out.writeBytes(payload);
            payload.release();
        }
        channel.writeAndFlush(out, channel.voidPromise());
    }

    private void optionError(int opt, int type, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        optionReply(opt, type, channel.alloc().buffer(text.length).writeBytes(text));
    }

    private void startTransmission(NbdExport e, String name) {
        export = e;
        metaContext = structured && name.equals(metaContextExport);
        phase = Phase.TRANSMISSION;
        handshakeTimer.cancel(false);
        server.log("client " + id + " opened export '" + name + "'");
    }

    // ---------------------------------------------------------------- transmission

    private boolean transmission() throws NbdProtocolException {
        if (!mayAdmit()) {
            pause();
            return false;
        }
        if (input.readableBytes() < Nbd.REQUEST_SIZE) {
            return false;
        }
        NbdCodec.getRequest(peek(Nbd.REQUEST_SIZE), 0, request);
        if (request.type == Nbd.CMD_WRITE) {
            if (request.length > Nbd.MAX_PAYLOAD) {
                throw new NbdProtocolException("WRITE of " + request.length + " bytes exceeds the "
                        + Nbd.MAX_PAYLOAD + "-byte maximum payload");
            }
            phase = Phase.WRITE_PAYLOAD;
            return true;
        }
        input.skipBytes(Nbd.REQUEST_SIZE);
        if (request.type == Nbd.CMD_DISC) {
            phase = Phase.CLOSING;
            channel.config().setAutoRead(false);
            if (inFlight == 0) {
                closeAfterFlush();
            }
            return false;
        }
        dispatch(null);
        return true;
    }

    private boolean writePayload() {
        int len = (int) request.length;
        if (input.readableBytes() < Nbd.REQUEST_SIZE + len) {
            return false;
        }
        input.skipBytes(Nbd.REQUEST_SIZE);
        ByteBuf payload = input.readRetainedSlice(len);
        phase = Phase.TRANSMISSION;
        dispatch(payload);
        return true;
    }

    /** Validates the decoded {@link #request}; answers it at once if invalid, else submits it. */
    private void dispatch(ByteBuf payload) {
        NbdServerRequest r = NbdServerRequest.take(this);
        r.type = request.type;
        r.flags = request.flags;
        r.cookie = request.handle;
        r.offset = request.offset;
        r.length = (int) request.length;
        r.payload = payload;
        r.pinnedBytes = r.type == Nbd.CMD_READ || r.type == Nbd.CMD_WRITE ? request.length : 0;
        inFlight++;
        inFlightBytes += r.pinnedBytes;
        server.pin(r.pinnedBytes);
        String invalid = validate();
        if (invalid != null) {
            int error = invalidErrno;
            boolean chunk = structured && (r.type == Nbd.CMD_READ || r.type == Nbd.CMD_BLOCK_STATUS);
            r.reply = NbdServerExec.errorReply(channel.alloc(), r, chunk, error, invalid);
            r.complete();
            return;
        }
        export.execute(r);
    }

    /** Null if {@link #request} may run, else the reason, with {@link #invalidErrno} set. */
    private String validate() {
        NbdCodec.Request q = request;
        int allowed = Nbd.CMD_FLAG_FUA;
        boolean writes = false;
        boolean checkRange = true;
        switch (q.type) {
            case Nbd.CMD_READ -> {
                if (structured) {
                    allowed |= Nbd.CMD_FLAG_DF;
                }
                if (q.length > Nbd.MAX_PAYLOAD) {
                    return invalid(Nbd.EINVAL, "READ of " + q.length + " bytes exceeds the " + Nbd.MAX_PAYLOAD
                            + "-byte maximum");
                }
            }
            case Nbd.CMD_WRITE, Nbd.CMD_TRIM -> writes = true;
            case Nbd.CMD_WRITE_ZEROES -> {
                writes = true;
                allowed |= Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_FAST_ZERO;
            }
            case Nbd.CMD_FLUSH -> checkRange = false;
            case Nbd.CMD_CACHE -> {
            }
            case Nbd.CMD_BLOCK_STATUS -> {
                allowed |= Nbd.CMD_FLAG_REQ_ONE;
                if (!metaContext) {
                    return invalid(Nbd.EINVAL, "BLOCK_STATUS without a negotiated base:allocation context");
                }
                if (q.length == 0) {
                    return invalid(Nbd.EINVAL, "BLOCK_STATUS of 0 bytes");
                }
            }
            default -> {
                return invalid(Nbd.EINVAL, "unknown command " + q.type);
            }
        }
        if ((q.flags & ~allowed) != 0) {
            return invalid(Nbd.EINVAL, String.format("flags 0x%x not valid for %s", q.flags, Nbd.commandName(q.type)));
        }
        if (writes && export.isReadOnly()) {
            return invalid(Nbd.EPERM, "export is read-only");
        }
        long size = export.size();
        if (checkRange && (Long.compareUnsigned(q.offset, size) > 0 || q.length > size - q.offset)) {
            return invalid(writes ? Nbd.ENOSPC : Nbd.EINVAL, Nbd.commandName(q.type) + " at offset "
                    + Long.toUnsignedString(q.offset) + " of " + q.length + " bytes is past the end of the export ("
                    + size + " bytes)");
        }
        return null;
    }

    private String invalid(int errno, String reason) {
        invalidErrno = errno;
        return reason;
    }

    /** Writes a request's reply, built by its worker (or answered at once); home thread. */
    void completed(ByteBuf reply, long pinnedBytes) {
        inFlight--;
        inFlightBytes -= pinnedBytes;
        if (channel.isActive()) {
            long size = reply.readableBytes();
            outboundBytes += size;
            server.pin(size);
            server.unpin(pinnedBytes);
            channel.writeAndFlush(reply, channel.voidPromise());
        } else {
            reply.release();
            server.unpin(pinnedBytes);
        }
        if (phase == Phase.CLOSING) {
            if (inFlight == 0 && channel.isActive()) {
                closeAfterFlush();
            }
            return;
        }
        resume();
    }

    /**
     * Whether another request may be read: fewer than {@link #MAX_IN_FLIGHT} in flight, and
     * either nothing held by this connection or room under both byte limits.
     */
    private boolean mayAdmit() {
        if (inFlight >= MAX_IN_FLIGHT) {
            return false;
        }
        long held = inFlightBytes + outboundBytes;
        return held == 0 || (held < MAX_IN_FLIGHT_BYTES && server.pinnedBytes() < NbdServer.MAX_PINNED_BYTES);
    }

    /** Resumes reading from a later event loop task. Home thread. */
    void resumeLater() {
        waitingForMemory = false;
        if (paused && channel.isActive()) {
            channel.eventLoop().execute(resumer);
        }
    }

    private void resume() {
        if (paused && phase != Phase.CLOSING && channel.isActive() && mayAdmit()) {
            paused = false;
            channel.config().setAutoRead(true);
            process();
        }
    }

    private void pause() {
        if (!paused) {
            paused = true;
            channel.config().setAutoRead(false);
        }
        if (!waitingForMemory && inFlight < MAX_IN_FLIGHT && inFlightBytes + outboundBytes < MAX_IN_FLIGHT_BYTES) {
            // Only the server's limit holds it back: wait for another connection to release memory.
            waitingForMemory = true;
            server.waitForMemory(this);
        }
    }

    private void closeAfterFlush() {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes the connection because of {@code reason}, which is logged. */
    private void drop(String reason) {
        if (channel == null || !channel.isOpen()) {
            return;
        }
        server.log("client " + id + ": " + reason + "; disconnecting");
        phase = Phase.CLOSING;
        channel.close();
    }

    private static String describe(java.net.SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return "the unix socket";
    }

    /** Closes the connection (server shutdown). Any thread. */
    void close() {
        if (channel != null) {
            channel.close();
        }
    }
}
