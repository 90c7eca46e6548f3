package dev.jemu.block.nbd;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Encoding and strict decoding of the fixed-size parts of the NBD wire format, shared by the
 * server and the client: option headers, option reply headers, transmission requests, simple
 * replies and structured reply chunk headers. Every method works on absolute positions of a
 * {@link ByteBuffer} (big-endian, the buffer's default) and leaves its position and limit alone,
 * so callers can reuse one scratch buffer per connection and allocate nothing per message.
 *
 * <p>Decoders check magics and field ranges and throw {@link NbdProtocolException} naming the
 * field; they never trust a length for anything but validation by the caller.
 */
public final class NbdCodec {

    /** A decoded transmission request; reused by the decoder. */
    public static final class Request {
        /** Command flags ({@code Nbd.CMD_FLAG_*}). */
        public int flags;
        /** Command ({@code Nbd.CMD_*}). */
        public int type;
        /** The client's opaque handle (cookie). */
        public long handle;
        /** Offset in the export. */
        public long offset;
        /** Length, an unsigned 32-bit value. */
        public long length;
    }

    /** A decoded reply header, simple or structured; reused by the decoder. */
    public static final class Reply {
        /** Whether this is a structured reply chunk (20 bytes) rather than a simple reply (16). */
        public boolean structured;
        /** Simple reply: the error value (0 = success). */
        public int error;
        /** Structured chunk flags ({@code Nbd.REPLY_FLAG_DONE}). */
        public int flags;
        /** Structured chunk type ({@code Nbd.REPLY_TYPE_*}). */
        public int type;
        /** The handle of the request answered. */
        public long handle;
        /** Structured chunk payload length, unsigned 32-bit. */
        public long length;
    }

    /** A decoded option or option-reply header; reused by the decoder. */
    public static final class Option {
        /** The option number. */
        public int option;
        /** Option reply type ({@code Nbd.REP_*}); unused for client options. */
        public int replyType;
        /** Payload length, unsigned 32-bit. */
        public long length;
    }

    private NbdCodec() {
    }

    // ---------------------------------------------------------------- handshake

    /** Writes a client option header: IHAVEOPT, option, length (16 bytes). */
    public static void putOption(ByteBuffer b, int at, int option, int length) {
        b.putLong(at, Nbd.IHAVEOPT);
        b.putInt(at + 8, option);
        b.putInt(at + 12, length);
    }

    /** Decodes a client option header; throws if the magic is not IHAVEOPT. */
    public static void getOption(ByteBuffer b, int at, Option out) throws NbdProtocolException {
        long magic = b.getLong(at);
        if (magic != Nbd.IHAVEOPT) {
            throw new NbdProtocolException(String.format("bad option magic 0x%016x (expected IHAVEOPT)", magic));
        }
        out.option = b.getInt(at + 8);
        out.replyType = 0;
        out.length = Integer.toUnsignedLong(b.getInt(at + 12));
    }

    /** Writes an option reply header: magic, option, reply type, length (20 bytes). */
    public static void putOptionReply(ByteBuffer b, int at, int option, int replyType, int length) {
        b.putLong(at, Nbd.OPTION_REPLY_MAGIC);
        b.putInt(at + 8, option);
        b.putInt(at + 12, replyType);
        b.putInt(at + 16, length);
    }

    /** Decodes an option reply header; throws on a bad magic or a reply to another option. */
    public static void getOptionReply(ByteBuffer b, int at, int expectedOption, Option out)
            throws NbdProtocolException {
        long magic = b.getLong(at);
        if (magic != Nbd.OPTION_REPLY_MAGIC) {
            throw new NbdProtocolException(String.format("bad option reply magic 0x%016x", magic));
        }
        out.option = b.getInt(at + 8);
        out.replyType = b.getInt(at + 12);
        out.length = Integer.toUnsignedLong(b.getInt(at + 16));
        if (out.option != expectedOption) {
            throw new NbdProtocolException("server replied to " + Nbd.optionName(out.option) + " while "
                    + Nbd.optionName(expectedOption) + " was asked");
        }
    }

    // ---------------------------------------------------------------- transmission

    /** Writes a request header (28 bytes). */
    public static void putRequest(ByteBuffer b, int at, int flags, int type, long handle, long offset, int length) {
        b.putInt(at, Nbd.REQUEST_MAGIC);
        b.putShort(at + 4, (short) flags);
        b.putShort(at + 6, (short) type);
        b.putLong(at + 8, handle);
        b.putLong(at + 16, offset);
        b.putInt(at + 24, length);
    }

    /** Decodes a request header; throws if the magic is wrong. */
    public static void getRequest(ByteBuffer b, int at, Request out) throws NbdProtocolException {
        int magic = b.getInt(at);
        if (magic != Nbd.REQUEST_MAGIC) {
            throw new NbdProtocolException(String.format("bad request magic 0x%08x", magic));
        }
        out.flags = Short.toUnsignedInt(b.getShort(at + 4));
        out.type = Short.toUnsignedInt(b.getShort(at + 6));
        out.handle = b.getLong(at + 8);
        out.offset = b.getLong(at + 16);
        out.length = Integer.toUnsignedLong(b.getInt(at + 24));
    }

    /** Writes a simple reply (16 bytes). */
    public static void putSimpleReply(ByteBuffer b, int at, int error, long handle) {
        b.putInt(at, Nbd.SIMPLE_REPLY_MAGIC);
        b.putInt(at + 4, error);
        b.putLong(at + 8, handle);
    }

    /** Writes a structured reply chunk header (20 bytes). */
    public static void putChunk(ByteBuffer b, int at, int flags, int type, long handle, int length) {
        b.putInt(at, Nbd.STRUCTURED_REPLY_MAGIC);
        b.putShort(at + 4, (short) flags);
        b.putShort(at + 6, (short) type);
        b.putLong(at + 8, handle);
        b.putInt(at + 16, length);
    }

    /**
     * Decodes the magic at {@code at}: returns the header size to read (16 for a simple reply,
     * 20 for a chunk). Throws on anything else.
     */
    public static int replyHeaderSize(ByteBuffer b, int at) throws NbdProtocolException {
        int magic = b.getInt(at);
        if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
            return Nbd.SIMPLE_REPLY_SIZE;
        }
        if (magic == Nbd.STRUCTURED_REPLY_MAGIC) {
            return Nbd.CHUNK_HEADER_SIZE;
        }
        throw new NbdProtocolException(String.format("bad reply magic 0x%08x", magic));
    }

    /** Decodes a simple reply or a chunk header, whose magic {@link #replyHeaderSize} accepted. */
    public static void getReply(ByteBuffer b, int at, Reply out) throws NbdProtocolException {
        int size = replyHeaderSize(b, at);
        if (size == Nbd.SIMPLE_REPLY_SIZE) {
            out.structured = false;
            out.error = b.getInt(at + 4);
            out.handle = b.getLong(at + 8);
            out.flags = Nbd.REPLY_FLAG_DONE;
            out.type = Nbd.REPLY_TYPE_NONE;
            out.length = 0;
            return;
        }
        out.structured = true;
        out.error = 0;
        out.flags = Short.toUnsignedInt(b.getShort(at + 4));
        out.type = Short.toUnsignedInt(b.getShort(at + 6));
        out.handle = b.getLong(at + 8);
        out.length = Integer.toUnsignedLong(b.getInt(at + 16));
        if ((out.flags & ~Nbd.REPLY_FLAG_DONE) != 0) {
            throw new NbdProtocolException(String.format("reply chunk with unknown flags 0x%x", out.flags));
        }
    }

    // ---------------------------------------------------------------- strings

    /**
     * Decodes {@code length} bytes of UTF-8 at {@code at}; malformed text is a protocol error
     * naming {@code what}.
     */
    public static String getString(ByteBuffer b, int at, int length, String what) throws NbdProtocolException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(b.slice(at, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new NbdProtocolException(what + " is not valid UTF-8");
        }
    }
}
