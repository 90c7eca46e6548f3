package dev.jemu.block.nbd;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A blocking, byte-level NBD client for tests: sends exactly what a test says, even nonsense. */
final class RawNbdClient implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;

    /** An option reply. */
    record OptReply(int option, int type, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** A simple reply or one structured chunk. */
    record Reply(boolean structured, int error, int flags, int type, long handle, byte[] data) {
        /** The error value of a simple reply or an ERROR chunk. */
        int errorValue() {
            if (!structured) {
                return error;
            }
            return (type & Nbd.REPLY_TYPE_ERROR_BIT) != 0 ? java.nio.ByteBuffer.wrap(data).getInt(0) : 0;
        }
    }

    RawNbdClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Reads the greeting; returns the handshake flags. */
    int greeting() throws IOException {
        assertEquals(Nbd.NBDMAGIC, in.readLong());
        assertEquals(Nbd.IHAVEOPT, in.readLong());
        return in.readUnsignedShort();
    }

    void clientFlags(int flags) throws IOException {
        out.writeInt(flags);
        out.flush();
    }

    void option(int option, byte[] data) throws IOException {
        out.writeLong(Nbd.IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    OptReply optReply() throws IOException {
        assertEquals(Nbd.OPTION_REPLY_MAGIC, in.readLong());
        int opt = in.readInt();
        int type = in.readInt();
        int len = in.readInt();
        byte[] data = new byte[len];
        in.readFully(data);
        return new OptReply(opt, type, data);
    }

    /** GO/INFO payload for {@code name} with the given info requests. */
    static byte[] goData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
        b.putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    /** SET/LIST_META_CONTEXT payload. */
    static byte[] metaData(String name, String... queries) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int len = 8 + n.length;
        for (String q : queries) {
            len += 4 + q.length();
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(len);
        b.putInt(n.length).put(n).putInt(queries.length);
        for (String q : queries) {
            b.putInt(q.length()).put(q.getBytes(StandardCharsets.US_ASCII));
        }
        return b.array();
    }

    /**
     * Full handshake as qemu does it: flags 3, optionally STRUCTURED_REPLY and
     * SET_META_CONTEXT base:allocation, then GO. Returns {size, transmission flags}.
     */
    long[] open(String name, boolean structured) throws IOException {
        greeting();
        clientFlags(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES);
        if (structured) {
            option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(Nbd.REP_ACK, optReply().type());
            option(Nbd.OPT_SET_META_CONTEXT, metaData(name, Nbd.BASE_ALLOCATION));
            assertEquals(Nbd.REP_META_CONTEXT, optReply().type());
            assertEquals(Nbd.REP_ACK, optReply().type());
        }
        option(Nbd.OPT_GO, goData(name, Nbd.INFO_BLOCK_SIZE));
        long size = -1;
        long tflags = -1;
        while (true) {
            OptReply r = optReply();
            if (r.type() == Nbd.REP_ACK) {
                break;
            }
            assertEquals(Nbd.REP_INFO, r.type(), () -> "GO failed: " + r.text());
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.data());
            if (b.getShort(0) == Nbd.INFO_EXPORT) {
                size = b.getLong(2);
                tflags = b.getShort(10) & 0xffff;
            }
        }
        return new long[] {size, tflags};
    }

    void request(int flags, int type, long handle, long offset, long length, byte[] payload) throws IOException {
        out.writeInt(Nbd.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(handle);
        out.writeLong(offset);
        out.writeInt((int) length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** Reads one simple reply or chunk; a simple reply to a READ must be read with {@link #simpleData}. */
    Reply reply() throws IOException {
        int magic = in.readInt();
        if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
            int error = in.readInt();
            long handle = in.readLong();
            return new Reply(false, error, Nbd.REPLY_FLAG_DONE, 0, handle, new byte[0]);
        }
        assertEquals(Nbd.STRUCTURED_REPLY_MAGIC, magic, "reply magic");
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long handle = in.readLong();
        int len = in.readInt();
        byte[] data = new byte[len];
        in.readFully(data);
        return new Reply(true, 0, flags, type, handle, data);
    }

    byte[] simpleData(int len) throws IOException {
        byte[] d = new byte[len];
        in.readFully(d);
        return d;
    }

    /** Whether the server closes the connection (EOF or reset) before the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // Discard whatever the server still sends.
            }
            return true;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
