package dev.jemu.block.nbd;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockStatus;
import dev.jemu.coroutine.CoMutex;
import dev.jemu.coroutine.CoQueue;
import dev.jemu.coroutine.Coroutine;
import dev.jemu.coroutine.WaitReason;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The transmission phase of one client connection. Up to {@link #MAX_IN_FLIGHT} requests are
 * in flight, each in a slot whose index is the low bits of its handle (the high bits count the
 * slot's uses, so a reply to a finished request is recognised as such). A request coroutine
 * takes a slot, sends its request under {@link #sendLock}, and yields until its reply is in;
 * one reader coroutine reads every reply, moves data straight into the waiting request's buffer
 * and wakes that request's coroutine. Everything runs on one AioContext thread.
 *
 * <p>When the server goes away or breaks the protocol, the connection is dead: every request
 * in flight or waiting for a slot fails with {@link NbdConnectionLostException} naming the
 * reason, and so does every later one.
 */
final class NbdClient {
    /**
     * As many as jemu-nbd serves at once per connection (qemu's client keeps 16; qemu-nbd reads
     * 16 at a time and leaves the rest in the socket until replies go out). A power of two.
     */
    static final int MAX_IN_FLIGHT = NbdServerConnection.MAX_IN_FLIGHT;
    private static final int BOUNCE = 256 << 10;
    private static final int SLOT_BITS = Integer.numberOfTrailingZeros(MAX_IN_FLIGHT);
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    /** One request in flight. */
    private static final class Slot implements WaitReason {
        final int index;
        long handle;
        boolean inUse;
        Coroutine co;
        boolean waiting;
        boolean done;
        int type;
        long offset;
        int length;
        ByteBuffer buf;
        int bufOffset;
        long covered;
        int error;
        String message;
        long extentLength;
        int extentFlags;
        boolean gotStatus;
        boolean lost;

        Slot(int index) {
            this.index = index;
        }

        @Override
        public String waitType() {
            return "nbd-reply";
        }

        @Override
        public String describeWait() {
            return "reply to " + Nbd.commandName(type) + " at offset " + offset + ", " + length + " bytes (handle 0x"
                    + Long.toHexString(handle) + ")";
        }
    }

    private final NbdSocket sock;
    private final NbdAddress address;
    private final AioContext context;
    final NbdClientHandshake info;
    private final Slot[] slots = new Slot[MAX_IN_FLIGHT];
    private final CoQueue freeSlotWaiters = new CoQueue();
    private final CoMutex sendLock = new CoMutex();
    private final ByteBuffer sendHeader = ByteBuffer.allocateDirect(Nbd.REQUEST_SIZE);
    private final ByteBuffer sendBounce = ByteBuffer.allocateDirect(BOUNCE);
    private final ByteBuffer replyHeader = ByteBuffer.allocateDirect(64);
    private final ByteBuffer readBounce = ByteBuffer.allocateDirect(BOUNCE);
    private final NbdCodec.Reply reply = new NbdCodec.Reply();
    private final Coroutine reader;
    private int inFlight;
    private long uses;
    private String deadReason;
    private boolean closing;

    NbdClient(NbdSocket sock, NbdAddress address, AioContext context, NbdClientHandshake info) {
        this.sock = sock;
        this.address = address;
        this.context = context;
        this.info = info;
        for (int i = 0; i < MAX_IN_FLIGHT; i++) {
            slots[i] = new Slot(i);
        }
        this.reader = Coroutine.create(opaque -> readLoop(), null);
    }

    /** Starts the reader coroutine. Home thread, outside or inside a coroutine. */
    void start() {
        context.enter(reader);
    }

    /** Null while the connection works, else why it died. */
    String deadReason() {
        return deadReason;
    }

    // ---------------------------------------------------------------- requests

    /**
     * Sends a request and waits for its reply. For READ, the data lands in
     * {@code buf[bufOffset..]}; for WRITE it is taken from there. For BLOCK_STATUS the first
     * extent's length and base:allocation flags go to {@code status}. Coroutine function.
     *
     * @throws UnsupportedOperationException if a WRITE_ZEROES is answered ENOTSUP (a FAST_ZERO refused)
     */
    void request(int type, int flags, long offset, int length, ByteBuffer buf, int bufOffset, BlockStatus status)
            throws IOException {
        checkAlive();
        while (inFlight >= MAX_IN_FLIGHT) {
            freeSlotWaiters.await(null);
            checkAlive();
        }
        Slot slot = null;
        for (Slot s : slots) {
            if (!s.inUse) {
                slot = s;
                break;
            }
        }
        inFlight++;
        slot.inUse = true;
        slot.handle = (++uses << SLOT_BITS) | slot.index;
        slot.co = Coroutine.self();
        slot.done = false;
        slot.waiting = false;
        slot.type = type;
        slot.offset = offset;
        slot.length = length;
        slot.buf = buf;
        slot.bufOffset = bufOffset;
        slot.covered = 0;
        slot.error = 0;
        slot.message = null;
        slot.gotStatus = false;
        slot.lost = false;
        try {
            send(slot, flags);
            slot.waiting = true;
            while (!slot.done) {
                Coroutine.yieldFor(slot);
            }
            slot.waiting = false;
            if (slot.lost) {
                throw dead();
            }
            if (slot.error != 0) {
                String text = Nbd.errorText(slot.error);
                if (slot.error == Nbd.ENOTSUP && type == Nbd.CMD_WRITE_ZEROES) {
                    throw new UnsupportedOperationException(address + ": " + text);
                }
                throw new BlockException(address + ": " + Nbd.commandName(type) + " failed: " + text
                        + (slot.message == null || slot.message.isEmpty() ? "" : " (" + slot.message + ")"));
            }
            if (status != null) {
                int f = BlockStatus.ALLOCATED | BlockStatus.OFFSET_VALID;
                if ((slot.extentFlags & Nbd.STATE_HOLE) == 0) {
                    f |= BlockStatus.DATA;
                }
                if ((slot.extentFlags & Nbd.STATE_ZERO) != 0) {
                    f |= BlockStatus.ZERO;
                }
                status.set(f, slot.extentLength, offset, null);
            }
        } finally {
            slot.inUse = false;
            slot.co = null;
            slot.buf = null;
            inFlight--;
            freeSlotWaiters.next();
        }
    }

    private void send(Slot slot, int flags) throws IOException {
        sendLock.lock();
        try {
            checkAlive();
            int payload = slot.type == Nbd.CMD_WRITE ? slot.length : 0;
            NbdCodec.putRequest(sendHeader, 0, flags, slot.type, slot.handle, slot.offset, slot.length);
            if (payload > 0 && slot.buf.isDirect()) {
                sock.writeFully(sendHeader, 0, Nbd.REQUEST_SIZE);
                sock.writeFully(slot.buf, slot.bufOffset, payload);
            } else if (payload > 0) {
                sock.writeFully(sendHeader, 0, Nbd.REQUEST_SIZE);
                for (int done = 0; done < payload; ) {
                    int n = Math.min(BOUNCE, payload - done);
                    sendBounce.put(0, slot.buf, slot.bufOffset + done, n);
                    sock.writeFully(sendBounce, 0, n);
                    done += n;
                }
            } else {
                sock.writeFully(sendHeader, 0, Nbd.REQUEST_SIZE);
            }
        } catch (IOException e) {
            die(e.getMessage());
            throw dead();
        } finally {
            sendLock.unlock();
        }
    }

    private void checkAlive() throws BlockException {
        if (deadReason != null) {
            throw dead();
        }
    }

    private NbdConnectionLostException dead() {
        return new NbdConnectionLostException(address + ": connection to the NBD server lost: " + deadReason);
    }

    // ---------------------------------------------------------------- reader

    private void readLoop() {
        try {
            while (!closing) {
                readOneReply();
            }
        } catch (IOException e) {
            if (!closing) {
                die(e.getMessage());
            }
        }
    }

    private void readOneReply() throws IOException {
        ByteBuffer h = replyHeader;
        sock.readFully(h, 0, Nbd.SIMPLE_REPLY_SIZE);
        int size = NbdCodec.replyHeaderSize(h, 0);
        if (size > Nbd.SIMPLE_REPLY_SIZE) {
            sock.readFully(h, Nbd.SIMPLE_REPLY_SIZE, size - Nbd.SIMPLE_REPLY_SIZE);
        }
        NbdCodec.getReply(h, 0, reply);
        Slot slot = slots[(int) (reply.handle & (MAX_IN_FLIGHT - 1))];
        if (!slot.inUse || slot.handle != reply.handle || slot.done) {
            throw new NbdProtocolException(String.format("reply for unknown handle 0x%x", reply.handle));
        }
        if (!reply.structured) {
            simpleReply(slot);
        } else {
            chunk(slot);
        }
        if ((reply.flags & Nbd.REPLY_FLAG_DONE) != 0) {
            finish(slot);
        }
    }

    private void simpleReply(Slot slot) throws IOException {
        if (reply.error != 0) {
            slot.error = reply.error;
            return;
        }
        if (slot.type == Nbd.CMD_READ) {
            if (info.structured) {
                throw new NbdProtocolException("simple reply with data to a READ after structured replies were negotiated");
            }
            readData(slot, 0, slot.length);
            slot.covered = slot.length;
        } else if (slot.type == Nbd.CMD_BLOCK_STATUS) {
            throw new NbdProtocolException("simple success reply to BLOCK_STATUS");
        }
    }

    private void chunk(Slot slot) throws IOException {
        long len = reply.length;
        int type = reply.type;
        ByteBuffer h = replyHeader;
        switch (type) {
            case Nbd.REPLY_TYPE_NONE -> {
                if (len != 0 || (reply.flags & Nbd.REPLY_FLAG_DONE) == 0) {
                    throw new NbdProtocolException("NONE chunk with a payload or without DONE");
                }
            }
            case Nbd.REPLY_TYPE_OFFSET_DATA -> {
                if (slot.type != Nbd.CMD_READ || len <= 8) {
                    throw new NbdProtocolException("OFFSET_DATA chunk of " + len + " bytes for a "
                            + Nbd.commandName(slot.type));
                }
                sock.readFully(h, 0, 8);
                long offset = h.getLong(0);
                long dataLen = len - 8;
                checkInside(slot, offset, dataLen, "OFFSET_DATA");
                readData(slot, (int) (offset - slot.offset), (int) dataLen);
                slot.covered += dataLen;
            }
            case Nbd.REPLY_TYPE_OFFSET_HOLE -> {
                if (slot.type != Nbd.CMD_READ || len != 12) {
                    throw new NbdProtocolException("OFFSET_HOLE chunk of " + len + " bytes for a "
                            + Nbd.commandName(slot.type));
                }
                sock.readFully(h, 0, 12);
                long offset = h.getLong(0);
                long holeLen = Integer.toUnsignedLong(h.getInt(8));
                if (holeLen == 0) {
                    throw new NbdProtocolException("OFFSET_HOLE of 0 bytes");
                }
                checkInside(slot, offset, holeLen, "OFFSET_HOLE");
                int at = slot.bufOffset + (int) (offset - slot.offset);
                for (int done = 0; done < holeLen; ) {
                    int n = (int) Math.min(ZEROES.capacity(), holeLen - done);
                    slot.buf.put(at + done, ZEROES, 0, n);
                    done += n;
                }
                slot.covered += holeLen;
            }
            case Nbd.REPLY_TYPE_BLOCK_STATUS -> blockStatusChunk(slot, len);
            default -> {
                if ((type & Nbd.REPLY_TYPE_ERROR_BIT) == 0) {
                    throw new NbdProtocolException("unknown reply chunk type " + type);
                }
                errorChunk(slot, len, type);
            }
        }
    }

    private void blockStatusChunk(Slot slot, long len) throws IOException {
        if (slot.type != Nbd.CMD_BLOCK_STATUS || len < 12 || (len - 4) % 8 != 0) {
            throw new NbdProtocolException("BLOCK_STATUS chunk of " + len + " bytes for a " + Nbd.commandName(slot.type));
        }
        if (slot.gotStatus) {
            throw new NbdProtocolException("two BLOCK_STATUS chunks for one context");
        }
        ByteBuffer h = replyHeader;
        sock.readFully(h, 0, 12);
        long id = Integer.toUnsignedLong(h.getInt(0));
        if (id != info.baseAllocationId) {
            throw new NbdProtocolException("BLOCK_STATUS for metadata context " + id + ", which was not negotiated");
        }
        long extent = Integer.toUnsignedLong(h.getInt(4));
        if (extent == 0) {
            throw new NbdProtocolException("BLOCK_STATUS extent of 0 bytes");
        }
        slot.extentLength = Math.min(extent, slot.length);
        slot.extentFlags = h.getInt(8);
        slot.gotStatus = true;
        skip(len - 12);
    }

    private void errorChunk(Slot slot, long len, int type) throws IOException {
        int extra = type == Nbd.REPLY_TYPE_ERROR_OFFSET ? 8 : 0;
        if (len < 6 + extra) {
            throw new NbdProtocolException("error chunk of " + len + " bytes");
        }
        ByteBuffer h = replyHeader;
        sock.readFully(h, 0, 6);
        int error = h.getInt(0);
        int msgLen = Short.toUnsignedInt(h.getShort(4));
        if (error == 0 || msgLen > len - 6 - extra) {
            throw new NbdProtocolException("malformed error chunk (error " + error + ", message of " + msgLen + " bytes)");
        }
        int keep = Math.min(msgLen, readBounce.capacity());
        sock.readFully(readBounce, 0, keep);
        skip(msgLen - keep);
        String message = NbdCodec.getString(readBounce, 0, keep, "error message");
        skip(len - 6 - msgLen);
        if (slot.error == 0) {
            slot.error = error;
            slot.message = message;
        }
    }

    private static void checkInside(Slot slot, long offset, long len, String what) throws NbdProtocolException {
        if (offset < slot.offset || len > slot.length || offset - slot.offset > slot.length - len) {
            throw new NbdProtocolException(what + " chunk at " + offset + " of " + len
                    + " bytes outside the request at " + slot.offset + " of " + slot.length + " bytes");
        }
    }

    /** Reads {@code len} payload bytes into the slot's buffer at request offset {@code at}. */
    private void readData(Slot slot, int at, int len) throws IOException {
        int pos = slot.bufOffset + at;
        if (slot.buf.isDirect()) {
            sock.readFully(slot.buf, pos, len);
            return;
        }
        for (int done = 0; done < len; ) {
            int n = Math.min(BOUNCE, len - done);
            sock.readFully(readBounce, 0, n);
            slot.buf.put(pos + done, readBounce, 0, n);
            done += n;
        }
    }

    private void skip(long bytes) throws IOException {
        while (bytes > 0) {
            int n = (int) Math.min(bytes, readBounce.capacity());
            sock.readFully(readBounce, 0, n);
            bytes -= n;
        }
    }

    private void finish(Slot slot) throws NbdProtocolException {
        if (slot.error == 0) {
            if (slot.type == Nbd.CMD_READ && slot.covered != slot.length) {
                throw new NbdProtocolException("READ reply covered " + slot.covered + " of " + slot.length + " bytes");
            }
            if (slot.type == Nbd.CMD_BLOCK_STATUS && !slot.gotStatus) {
                throw new NbdProtocolException("BLOCK_STATUS reply without extents");
            }
        }
        slot.done = true;
        if (slot.waiting) {
            slot.co.wake();
        }
    }

    // ---------------------------------------------------------------- failure and close

    /** Marks the connection dead and fails every request in flight or waiting. */
    private void die(String reason) {
        if (deadReason != null) {
            return;
        }
        deadReason = reason == null ? "unknown error" : reason;
        for (Slot s : slots) {
            if (s.inUse && !s.done) {
                s.done = true;
                s.lost = true;
                if (s.waiting && s.co != Coroutine.self()) {
                    s.co.wake();
                }
            }
        }
        freeSlotWaiters.restartAll();
        sock.close();
    }

    /** Says goodbye (DISC) and closes the connection. Home thread, no request in flight. */
    void close() {
        closing = true;
        if (deadReason == null) {
            NbdCodec.putRequest(sendHeader, 0, 0, Nbd.CMD_DISC, 0, 0, 0);
            sock.writeNow(sendHeader, 0, Nbd.REQUEST_SIZE);
            deadReason = "connection closed";
        }
        sock.close();
    }
}
