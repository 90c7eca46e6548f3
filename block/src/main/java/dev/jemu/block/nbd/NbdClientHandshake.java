package dev.jemu.block.nbd;

import dev.jemu.block.BlockException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client side of the fixed-newstyle handshake, as QEMU's client does it: STRUCTURED_REPLY,
 * SET_META_CONTEXT base:allocation (if structured replies were accepted), then GO asking for
 * BLOCK_SIZE, falling back to EXPORT_NAME if the server does not know GO (and using only
 * EXPORT_NAME with a server that is not fixed newstyle). Every reply is
 * validated; a server that breaks the protocol is a {@link NbdProtocolException}, a refusal a
 * {@link BlockException} with the server's message. A coroutine function.
 */
final class NbdClientHandshake {
    /** Option replies longer than this are a protocol error. */
    private static final int MAX_REPLY = 64 << 10;
    private static final long OLDSTYLE_MAGIC = 0x00420281861253L;

    /** What the handshake learned. */
    long size;
    int transmissionFlags;
    boolean structured;
    /** The server's id for base:allocation, or -1 if not negotiated. */
    long baseAllocationId = -1;
    int minBlock = 1;
    int preferredBlock = Nbd.PREFERRED_BLOCK;
    int maxPayload = Nbd.MAX_PAYLOAD;

    private final NbdSocket sock;
    private final NbdAddress address;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(MAX_REPLY);
    private final NbdCodec.Option reply = new NbdCodec.Option();
    private boolean noZeroes;

    NbdClientHandshake(NbdSocket sock, NbdAddress address) {
        this.sock = sock;
        this.address = address;
    }

    void run() throws IOException {
        sock.readFully(buf, 0, 18);
        if (buf.getLong(0) != Nbd.NBDMAGIC) {
            throw new NbdProtocolException(address + ": not an NBD server (bad greeting magic)");
        }
        if (buf.getLong(8) == OLDSTYLE_MAGIC) {
            throw new BlockException(address + ": the server speaks the oldstyle protocol, which is not supported");
        }
        if (buf.getLong(8) != Nbd.IHAVEOPT) {
            throw new NbdProtocolException(address + ": bad newstyle magic in the greeting");
        }
        int serverFlags = Short.toUnsignedInt(buf.getShort(16));
        boolean fixed = (serverFlags & Nbd.FLAG_FIXED_NEWSTYLE) != 0;
        noZeroes = (serverFlags & Nbd.FLAG_NO_ZEROES) != 0;
        buf.putInt(0, (fixed ? Nbd.FLAG_C_FIXED_NEWSTYLE : 0) | (noZeroes ? Nbd.FLAG_C_NO_ZEROES : 0));
        sock.writeFully(buf, 0, 4);
        if (!fixed) {
            // A plain newstyle server may drop the connection on any option it does not know.
            exportName();
            return;
        }

        sendOption(Nbd.OPT_STRUCTURED_REPLY, 0);
        readReply(Nbd.OPT_STRUCTURED_REPLY);
        if (reply.replyType == Nbd.REP_ACK) {
            structured = true;
        } else if ((reply.replyType & Nbd.REP_FLAG_ERROR) == 0) {
            throw new NbdProtocolException(address + ": unexpected reply " + reply.replyType + " to STRUCTURED_REPLY");
        }
        if (structured) {
            negotiateBaseAllocation();
        }
        if (!go()) {
            exportName();
        }
    }

    private void negotiateBaseAllocation() throws IOException {
        byte[] name = exportBytes();
        byte[] query = Nbd.BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
        int len = 4 + name.length + 4 + 4 + query.length;
        int at = Nbd.OPTION_HEADER_SIZE;
        buf.putInt(at, name.length).put(at + 4, name).putInt(at + 4 + name.length, 1)
                .putInt(at + 8 + name.length, query.length).put(at + 12 + name.length, query);
        sendOption(Nbd.OPT_SET_META_CONTEXT, len);
        while (true) {
            readReply(Nbd.OPT_SET_META_CONTEXT);
            int type = reply.replyType;
            if (type == Nbd.REP_ACK) {
                return;
            }
            if ((type & Nbd.REP_FLAG_ERROR) != 0) {
                baseAllocationId = -1;
                return;
            }
            if (type != Nbd.REP_META_CONTEXT || reply.length < 5) {
                throw new NbdProtocolException(address + ": malformed reply to SET_META_CONTEXT");
            }
            long id = Integer.toUnsignedLong(buf.getInt(0));
            String ctx = NbdCodec.getString(buf, 4, (int) reply.length - 4, "metadata context name");
            if (!ctx.equals(Nbd.BASE_ALLOCATION)) {
                throw new NbdProtocolException(address + ": server selected metadata context '" + ctx
                        + "', which was not asked for");
            }
            baseAllocationId = id;
        }
    }

    /** GO; false if the server does not know it. */
    private boolean go() throws IOException {
        byte[] name = exportBytes();
        int at = Nbd.OPTION_HEADER_SIZE;
        buf.putInt(at, name.length).put(at + 4, name).putShort(at + 4 + name.length, (short) 1)
                .putShort(at + 6 + name.length, (short) Nbd.INFO_BLOCK_SIZE);
        sendOption(Nbd.OPT_GO, 8 + name.length);
        boolean haveExport = false;
        while (true) {
            readReply(Nbd.OPT_GO);
            int type = reply.replyType;
            if (type == Nbd.REP_ACK) {
                if (!haveExport) {
                    throw new NbdProtocolException(address + ": GO succeeded without NBD_INFO_EXPORT");
                }
                return true;
            }
            if (type == Nbd.REP_ERR_UNSUP) {
                return false;
            }
            if ((type & Nbd.REP_FLAG_ERROR) != 0) {
                String message = NbdCodec.getString(buf, 0, (int) reply.length, "error message");
                String what = type == Nbd.REP_ERR_UNKNOWN ? "Requested export not available" : "server refused the export";
                throw new BlockException(address + ": " + what + (message.isEmpty() ? "" : ": " + message));
            }
            if (type != Nbd.REP_INFO || reply.length < 2) {
                throw new NbdProtocolException(address + ": unexpected reply " + type + " to GO");
            }
            int info = Short.toUnsignedInt(buf.getShort(0));
            switch (info) {
                case Nbd.INFO_EXPORT -> {
                    if (reply.length != 12) {
                        throw new NbdProtocolException(address + ": NBD_INFO_EXPORT of " + reply.length + " bytes");
                    }
                    size = buf.getLong(2);
                    transmissionFlags = Short.toUnsignedInt(buf.getShort(10));
                    haveExport = true;
                }
                case Nbd.INFO_BLOCK_SIZE -> {
                    if (reply.length != 14) {
                        throw new NbdProtocolException(address + ": NBD_INFO_BLOCK_SIZE of " + reply.length + " bytes");
                    }
                    blockSizes(buf.getInt(2), buf.getInt(6), buf.getInt(10));
                }
                default -> {
                    // NAME, DESCRIPTION and unknown items are informational.
                }
            }
        }
    }

    private void blockSizes(int min, int preferred, int max) throws NbdProtocolException {
        if (min < 1 || min > 65536 || Integer.bitCount(min) != 1) {
            throw new NbdProtocolException(address + ": invalid minimum block size " + Integer.toUnsignedString(min));
        }
        if (preferred < Math.max(min, 512) || Integer.bitCount(preferred) != 1) {
            throw new NbdProtocolException(address + ": invalid preferred block size "
                    + Integer.toUnsignedString(preferred));
        }
        if (max != -1 && (max < min || max % min != 0)) {
            throw new NbdProtocolException(address + ": invalid maximum payload " + Integer.toUnsignedString(max));
        }
        minBlock = min;
        preferredBlock = preferred;
        long m = max == -1 ? Nbd.MAX_PAYLOAD : Math.min(Integer.toUnsignedLong(max), Nbd.MAX_PAYLOAD);
        maxPayload = (int) (m - m % min);
    }

    private void exportName() throws IOException {
        byte[] name = exportBytes();
        buf.put(Nbd.OPTION_HEADER_SIZE, name);
        sendOption(Nbd.OPT_EXPORT_NAME, name.length);
        int len = noZeroes ? 10 : 134;
        sock.readFully(buf, 0, len);
        size = buf.getLong(0);
        transmissionFlags = Short.toUnsignedInt(buf.getShort(8));
    }

    private byte[] exportBytes() throws BlockException {
        byte[] name = address.export().getBytes(StandardCharsets.UTF_8);
        if (name.length > Nbd.MAX_STRING) {
            throw new BlockException(address + ": export name longer than " + Nbd.MAX_STRING + " bytes");
        }
        return name;
    }

    /** Sends the option header and the {@code len} bytes already placed after it in {@link #buf}. */
    private void sendOption(int option, int len) throws IOException {
        NbdCodec.putOption(buf, 0, option, len);
        sock.writeFully(buf, 0, Nbd.OPTION_HEADER_SIZE + len);
    }

    /** Reads one option reply; its payload lands at {@code buf[0..]}. */
    private void readReply(int option) throws IOException {
        sock.readFully(buf, 0, Nbd.OPTION_REPLY_HEADER_SIZE);
        NbdCodec.getOptionReply(buf, 0, option, reply);
        if (reply.length > MAX_REPLY) {
            throw new NbdProtocolException(address + ": reply to " + Nbd.optionName(option) + " of "
                    + reply.length + " bytes");
        }
        sock.readFully(buf, 0, (int) reply.length);
    }
}
