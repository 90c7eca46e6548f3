package dev.jemu.block.nbd;

import dev.jemu.block.BlockException;
import dev.jemu.block.SyncIo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against a scripted server that negotiates properly and then lies in its replies. */
class NbdClientHostileServerTest {
    private static final long SIZE = 1 << 20;

    /** What the fake server answers to the first request (whose handle it is given). */
    @FunctionalInterface
    interface Answer {
        void send(DataOutputStream out, long handle) throws IOException;
    }

    private ServerSocket listener;
    private Thread thread;

    @AfterEach
    void stop() throws Exception {
        listener.close();
        thread.join(5000);
    }

    private NbdClientDriver connect(Answer answer) throws Exception {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> {
            try (Socket s = listener.accept()) {
                s.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                handshake(in, out);
                in.readInt();
                in.readShort();
                in.readShort();
                long handle = in.readLong();
                in.readLong();
                in.readInt();
                answer.send(out, handle);
                out.flush();
                while (in.read() >= 0) {
                    // Wait for the client to hang up.
                }
            } catch (IOException e) {
                // The client hung up.
            }
        }, "fake-nbd-server");
        thread.setDaemon(true);
        thread.start();
        return NbdClientDriver.open(new NbdAddress("127.0.0.1", listener.getLocalPort(), null, ""), true);
    }

    private static void handshake(DataInputStream in, DataOutputStream out) throws IOException {
        out.writeLong(Nbd.NBDMAGIC);
        out.writeLong(Nbd.IHAVEOPT);
        out.writeShort(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        out.flush();
        in.readInt();
        while (true) {
            in.readLong();
            int opt = in.readInt();
            in.readFully(new byte[in.readInt()]);
            switch (opt) {
                case Nbd.OPT_SET_META_CONTEXT -> {
                    byte[] name = Nbd.BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
                    optReply(out, opt, Nbd.REP_META_CONTEXT, ByteBuffer.allocate(4 + name.length).putInt(5).put(name).array());
                    optReply(out, opt, Nbd.REP_ACK, new byte[0]);
                }
                case Nbd.OPT_GO -> {
                    optReply(out, opt, Nbd.REP_INFO, ByteBuffer.allocate(12).putShort((short) 0).putLong(SIZE)
                            .putShort((short) (Nbd.TFLAG_HAS_FLAGS | Nbd.TFLAG_READ_ONLY)).array());
                    optReply(out, opt, Nbd.REP_ACK, new byte[0]);
                    out.flush();
                    return;
                }
                default -> optReply(out, opt, Nbd.REP_ACK, new byte[0]);
            }
            out.flush();
        }
    }

    private static void optReply(DataOutputStream out, int opt, int type, byte[] data) throws IOException {
        out.writeLong(Nbd.OPTION_REPLY_MAGIC);
        out.writeInt(opt);
        out.writeInt(type);
        out.writeInt(data.length);
        out.write(data);
    }

    private static void chunk(DataOutputStream out, int flags, int type, long handle, byte[] payload) throws IOException {
        out.writeInt(Nbd.STRUCTURED_REPLY_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(handle);
        out.writeInt(payload.length);
        out.write(payload);
    }

    private static void assertReadFailsWith(NbdClientDriver d, String reason) {
        BlockException e = assertThrows(BlockException.class,
                () -> SyncIo.run(() -> d.coPreadv(0, ByteBuffer.allocate(4096), 0, 4096)));
        assertTrue(e.getMessage().contains("connection to the NBD server lost: " + reason), e.getMessage());
        BlockException later = assertThrows(BlockException.class,
                () -> SyncIo.run(() -> d.coPreadv(0, ByteBuffer.allocate(512), 0, 512)));
        assertTrue(later.getMessage().contains("connection to the NBD server lost"), later.getMessage());
        d.close();
    }

    @Test
    void failsOnAReplyToAHandleNeverSent() throws Exception {
        assertReadFailsWith(connect((out, handle) -> chunk(out, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, handle + 1,
                new byte[0])), "reply for unknown handle");
    }

    @Test
    void failsOnDataOutsideTheRequestedRange() throws Exception {
        assertReadFailsWith(connect((out, handle) -> chunk(out, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_OFFSET_DATA, handle,
                ByteBuffer.allocate(8 + 4096).putLong(0, 512).array())), "OFFSET_DATA chunk at 512 of 4096 bytes outside");
    }

    @Test
    void failsOnAReadThatIsNotFullyAnswered() throws Exception {
        assertReadFailsWith(connect((out, handle) -> chunk(out, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_OFFSET_HOLE, handle,
                ByteBuffer.allocate(12).putLong(0).putInt(1024).array())), "READ reply covered 1024 of 4096 bytes");
    }

    @Test
    void failsOnAGarbageReplyMagic() throws Exception {
        assertReadFailsWith(connect((out, handle) -> {
            out.writeLong(0xdeadbeefdeadbeefL);
            out.writeLong(0xdeadbeefdeadbeefL);
        }), "bad reply magic 0xdeadbeef");
    }

    @Test
    void failsOnAMalformedErrorChunk() throws Exception {
        assertReadFailsWith(connect((out, handle) -> chunk(out, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_ERROR, handle,
                ByteBuffer.allocate(6).putInt(Nbd.EIO).putShort((short) 500).array())), "malformed error chunk");
    }

    @Test
    void failsWhenTheServerHangsUpMidReply() throws Exception {
        assertReadFailsWith(connect((out, handle) -> {
            out.writeInt(Nbd.STRUCTURED_REPLY_MAGIC);
            out.flush();
            throw new IOException("hang up");
        }), "server closed the connection");
    }
}
