package dev.jemu.block.nbd;

import dev.jemu.block.BlockException;
import dev.jemu.block.BlockOptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire codec and address parsing, byte by byte. */
class NbdCodecTest {

    @Test
    void encodesARequestAsTheProtocolLaysItOut() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(40);
        NbdCodec.putRequest(b, 4, Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 0x1122334455667788L, 0x1000, 512);
        assertEquals(0x25609513, b.getInt(4));
        assertEquals(1, b.getShort(8));
        assertEquals(1, b.getShort(10));
        assertEquals(0x1122334455667788L, b.getLong(12));
        assertEquals(0x1000, b.getLong(20));
        assertEquals(512, b.getInt(28));
        NbdCodec.Request r = new NbdCodec.Request();
        NbdCodec.getRequest(b, 4, r);
        assertEquals(Nbd.CMD_WRITE, r.type);
        assertEquals(Nbd.CMD_FLAG_FUA, r.flags);
        assertEquals(512, r.length);
        assertEquals(0, b.position());
    }

    @Test
    void decodesLengthsAsUnsigned() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28);
        NbdCodec.putRequest(b, 0, 0, Nbd.CMD_READ, 1, 0, -1);
        NbdCodec.Request r = new NbdCodec.Request();
        NbdCodec.getRequest(b, 0, r);
        assertEquals(0xffffffffL, r.length);
    }

    @Test
    void rejectsBadMagicsNamingThem() {
        ByteBuffer b = ByteBuffer.allocate(28);
        NbdProtocolException e = assertThrows(NbdProtocolException.class,
                () -> NbdCodec.getRequest(b, 0, new NbdCodec.Request()));
        assertEquals("bad request magic 0x00000000", e.getMessage());
        assertThrows(NbdProtocolException.class, () -> NbdCodec.replyHeaderSize(b, 0));
        assertThrows(NbdProtocolException.class, () -> NbdCodec.getOption(b, 0, new NbdCodec.Option()));
    }

    @Test
    void decodesSimpleRepliesAndChunks() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(20);
        NbdCodec.putSimpleReply(b, 0, Nbd.EIO, 77);
        NbdCodec.Reply r = new NbdCodec.Reply();
        assertEquals(16, NbdCodec.replyHeaderSize(b, 0));
        NbdCodec.getReply(b, 0, r);
        assertFalse(r.structured);
        assertEquals(Nbd.EIO, r.error);
        assertEquals(77, r.handle);
        NbdCodec.putChunk(b, 0, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_OFFSET_HOLE, 78, 12);
        assertEquals(20, NbdCodec.replyHeaderSize(b, 0));
        NbdCodec.getReply(b, 0, r);
        assertTrue(r.structured);
        assertEquals(Nbd.REPLY_TYPE_OFFSET_HOLE, r.type);
        assertEquals(12, r.length);
        assertEquals(78, r.handle);
    }

    @Test
    void rejectsChunksWithUnknownFlags() {
        ByteBuffer b = ByteBuffer.allocate(20);
        NbdCodec.putChunk(b, 0, 0x2, Nbd.REPLY_TYPE_NONE, 1, 0);
        assertThrows(NbdProtocolException.class, () -> NbdCodec.getReply(b, 0, new NbdCodec.Reply()));
    }

    @Test
    void rejectsAnOptionReplyToAnotherOption() {
        ByteBuffer b = ByteBuffer.allocate(20);
        NbdCodec.putOptionReply(b, 0, Nbd.OPT_LIST, Nbd.REP_ACK, 0);
        NbdProtocolException e = assertThrows(NbdProtocolException.class,
                () -> NbdCodec.getOptionReply(b, 0, Nbd.OPT_GO, new NbdCodec.Option()));
        assertEquals("server replied to LIST while GO was asked", e.getMessage());
    }

    @Test
    void rejectsMalformedUtf8() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {(byte) 0xc3, 0x28});
        assertThrows(NbdProtocolException.class, () -> NbdCodec.getString(b, 0, 2, "export name"));
    }

    @Test
    void parsesQemuNbdUris() throws Exception {
        assertEquals(new NbdAddress("localhost", 10809, null, ""), NbdAddress.parseUri("nbd://localhost"));
        assertEquals(new NbdAddress("10.0.0.1", 2000, null, "a b"), NbdAddress.parseUri("nbd://10.0.0.1:2000/a%20b"));
        assertEquals(new NbdAddress("::1", 10809, null, "x"), NbdAddress.parseUri("nbd://[::1]/x"));
        assertEquals(new NbdAddress(null, 0, "/tmp/s", "exp"), NbdAddress.parseUri("nbd+unix:///exp?socket=/tmp/s"));
        assertEquals("nbd+unix:///exp?socket=/tmp/s", NbdAddress.parseUri("nbd+unix:///exp?socket=/tmp/s").toString());
    }

    @Test
    void rejectsBadUrisNamingTheProblem() {
        BlockException e = assertThrows(BlockException.class, () -> NbdAddress.parseUri("nbd+unix:///exp"));
        assertEquals("Invalid NBD URI 'nbd+unix:///exp': nbd+unix needs ?socket=PATH", e.getMessage());
        assertThrows(BlockException.class, () -> NbdAddress.parseUri("http://host/x"));
        assertThrows(BlockException.class, () -> NbdAddress.parseUri("nbd:///x"));
    }

    @Test
    void readsServerOptions() throws Exception {
        BlockOptions opts = BlockOptions.parse("server.type=unix,server.path=/run/s,export=e", null);
        assertEquals(new NbdAddress(null, 0, "/run/s", "e"), NbdAddress.fromOptions(opts));
        opts.checkAllUsed("nbd");
        BlockOptions inet = BlockOptions.parse("server.type=inet,server.host=h,server.port=99", null);
        assertEquals(new NbdAddress("h", 99, null, ""), NbdAddress.fromOptions(inet));
        BlockException e = assertThrows(BlockException.class,
                () -> NbdAddress.fromOptions(BlockOptions.parse("server.type=inet,server.host=h,server.port=x", null)));
        assertEquals("nbd: server.port 'x' is not a port number", e.getMessage());
    }
}
