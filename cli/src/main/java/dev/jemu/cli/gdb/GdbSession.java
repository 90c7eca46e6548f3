package dev.jemu.cli.gdb;

import dev.jemu.core.machine.MachineLoop;
import dev.jemu.core.x86.HostDebug;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One debugger's connection: gdb's remote serial protocol in all-stop mode with one thread
 * (the vCPU). Packets are {@code $data#checksum}, acknowledged with {@code +} until
 * {@code QStartNoAckMode}; a 0x03 byte while the guest runs stops it. Registers and memory
 * are read and written on the vCPU thread while the machine is paused; addresses are linear
 * addresses translated through the guest's current paging. An unknown packet gets the empty
 * reply, as the protocol asks; a malformed one an {@code E} reply.
 *
 * <p>Threading: {@link #serve} runs on the stub's thread; {@link #debugStop} on the vCPU
 * thread; {@link #exited} and {@link #close} on any thread. Writes to the socket are
 * serialised on {@link #out}.
 */
final class GdbSession {
    /** Largest packet accepted; a longer one is a protocol error and ends the connection. */
    static final int PACKET_SIZE = 0x4000;
    private static final HexFormat HEX = HexFormat.of();
    private static final String STOP_TRAP = "T05thread:01;";
    private static final String STOP_INT = "T02thread:01;";

    private final SocketChannel channel;
    private final MachineLoop loop;
    private final HostDebug debug;
    private final GdbStub.Monitor monitor;
    /** Guards writes: replies come from the session's thread and stop replies from the vCPU's. */
    private final Object out = new Object();
    /** Whether the guest runs on the debugger's behalf (after {@code c} or {@code s}, until a stop reply). */
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean ack = true;
    private volatile boolean gone;
    /** The debugger detached with {@code D}: the guest runs on when the session ends. */
    private boolean detached;

    GdbSession(SocketChannel channel, MachineLoop loop, HostDebug debug, GdbStub.Monitor monitor) {
        this.channel = channel;
        this.loop = loop;
        this.debug = debug;
        this.monitor = monitor;
    }

    /** Serves the connection until the debugger detaches, kills the guest or goes. */
    void serve() {
        // reads and writes go straight to the channel (not through Channels' streams, which
        // serialise a blocked read with every write), so a stop reply can be written while
        // the session's thread waits for a Ctrl-C
        try (InputStream in = new BufferedInputStream(new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return channel.read(ByteBuffer.wrap(b, off, len));
            }
        })) {
            loop.pause();
            loop.callOnVcpu(() -> null);
            monitor.debuggerAttached();
            StringBuilder packet = new StringBuilder();
            while (!gone) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                if (b == 0x03) {
                    interrupt();
                } else if (b == '$') {
                    if (!readPacket(in, packet)) {
                        break;
                    }
                    if (ack) {
                        send("+");
                    }
                    if (!handle(packet.toString())) {
                        break;
                    }
                }
                // '+' and '-' acknowledge our replies, which are never resent; other bytes
                // between packets are line noise
            }
        } catch (IOException e) {
            if (!gone) {
                System.err.println("jemu: gdbstub: connection lost: " + e.getMessage());
            }
        } catch (IllegalStateException e) {
            // the machine shut down under a request
        } finally {
            gone = true;
            close();
            end();
        }
    }

    /**
     * The debugger is gone: its breakpoints and watchpoints go with it. After {@code D} the
     * guest runs on; a debugger that vanished leaves it stopped, as QEMU does, for the next
     * one (or a monitor's {@code cont}).
     */
    private void end() {
        try {
            loop.callOnVcpu(() -> {
                debug.clear();
                return null;
            });
            if (detached) {
                monitor.debuggerResumed();
                loop.resume();
            }
        } catch (IllegalStateException e) {
            // the machine has shut down
        }
    }

    /** Reads the rest of a packet after its '$'; false on a checksum or size violation or end of stream. */
    private boolean readPacket(InputStream in, StringBuilder packet) throws IOException {
        packet.setLength(0);
        int sum = 0;
        for (int b; (b = in.read()) != '#'; ) {
            if (b < 0 || packet.length() >= PACKET_SIZE) {
                if (b >= 0) {
                    System.err.println("jemu: gdbstub: packet longer than " + PACKET_SIZE + " bytes: connection closed");
                }
                return false;
            }
            sum += b;
            packet.append((char) b);
        }
        int hi = in.read();
        int lo = in.read();
        if (hi < 0 || lo < 0) {
            return false;
        }
        int expected = Character.digit(hi, 16) * 16 + Character.digit(lo, 16);
        if (expected != (sum & 0xFF) && ack) {
            send("-");
            return readRetransmission(in, packet);
        }
        return true;
    }

    private boolean readRetransmission(InputStream in, StringBuilder packet) throws IOException {
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '$') {
                return readPacket(in, packet);
            }
        }
        return false;
    }

    /** Handles one packet; false when the session ends. */
    private boolean handle(String p) throws IOException {
        if (p.isEmpty()) {
            reply("");
            return true;
        }
        try {
            return dispatch(p);
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            reply("E01");
            return true;
        }
    }

    private boolean dispatch(String p) throws IOException {
        switch (p.charAt(0)) {
            case '?' -> reply(STOP_TRAP);
            case 'g' -> reply(HEX.formatHex(onVcpu(debug::readRegisters)));
            case 'G' -> reply(writeRegisters(HEX.parseHex(p.substring(1))) ? "OK" : "E22");
            case 'p' -> readRegister(Integer.parseInt(p.substring(1), 16));
            case 'P' -> {
                int eq = p.indexOf('=');
                int n = Integer.parseInt(p.substring(1, eq), 16);
                byte[] v = HEX.parseHex(p.substring(eq + 1));
                reply(n < HostDebug.REGISTERS.size() && v.length == HostDebug.REGISTERS.get(n).bytes()
                        && onVcpu(() -> debug.writeRegister(n, v)) ? "OK" : "E22");
            }
            case 'm' -> readMemory(p.substring(1));
            case 'M' -> writeMemory(p.substring(1));
            case 'c' -> resume(p.substring(1), false);
            case 's' -> resume(p.substring(1), true);
            case 'C', 'S' -> {
                int semi = p.indexOf(';');
                resume(semi < 0 ? "" : p.substring(semi + 1), p.charAt(0) == 'S');
            }
            case 'Z', 'z' -> breakpoint(p);
            case 'H', 'T' -> reply("OK");
            case 'q' -> query(p);
            case 'Q' -> {
                if (p.equals("QStartNoAckMode")) {
                    reply("OK");
                    ack = false;
                } else {
                    reply("");
                }
            }
            case 'v' -> vPacket(p);
            case 'D' -> {
                reply("OK");
                detached = true;
                return false;
            }
            case 'k' -> {
                System.err.println("jemu: terminated via GDBstub");
                loop.requestShutdown(0);
                return false;
            }
            default -> reply("");
        }
        return true;
    }

    private void query(String p) throws IOException {
        if (p.startsWith("qSupported")) {
            reply("PacketSize=" + Integer.toHexString(PACKET_SIZE) + ";qXfer:features:read+;vContSupported+;"
                    + "QStartNoAckMode+");
        } else if (p.startsWith("qXfer:features:read:")) {
            String[] parts = p.substring("qXfer:features:read:".length()).split(":");
            if (!parts[0].equals("target.xml")) {
                reply("E00");
                return;
            }
            String[] range = parts[1].split(",");
            int off = Integer.parseInt(range[0], 16);
            int len = Integer.parseInt(range[1], 16);
            byte[] xml = GdbTargetXml.XML.getBytes(StandardCharsets.US_ASCII);
            if (off >= xml.length) {
                reply("l");
                return;
            }
            int n = Math.min(len, xml.length - off);
            reply((off + n >= xml.length ? "l" : "m") + new String(xml, off, n, StandardCharsets.US_ASCII));
        } else if (p.equals("qAttached")) {
            reply("1");
        } else if (p.equals("qC")) {
            reply("QC1");
        } else if (p.equals("qfThreadInfo")) {
            reply("m1");
        } else if (p.equals("qsThreadInfo")) {
            reply("l");
        } else if (p.startsWith("qThreadExtraInfo")) {
            reply(HEX.formatHex("CPU#0".getBytes(StandardCharsets.US_ASCII)));
        } else if (p.equals("qOffsets")) {
            reply("Text=0;Data=0;Bss=0");
        } else if (p.startsWith("qSymbol")) {
            reply("OK");
        } else if (p.startsWith("qRcmd,")) {
            monitorCommand(p.substring("qRcmd,".length()));
        } else {
            reply("");
        }
    }

    /**
     * gdb's {@code monitor LINE}: the line (hex-encoded) runs on the machine's monitor, whose
     * output goes back as {@code O} packets before the final {@code OK}, as QEMU's stub does.
     */
    private void monitorCommand(String hex) throws IOException {
        byte[] line;
        try {
            line = HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            reply("E22");
            return;
        }
        String output;
        try {
            output = monitor.execute(new String(line, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply("E04");
            return;
        }
        byte[] text = output.getBytes(StandardCharsets.UTF_8);
        int chunk = PACKET_SIZE / 4;
        for (int off = 0; off < text.length; off += chunk) {
            reply("O" + HEX.formatHex(text, off, Math.min(text.length, off + chunk)));
        }
        reply("OK");
    }

    private void vPacket(String p) throws IOException {
        if (p.equals("vCont?")) {
            reply("vCont;c;C;s;S");
        } else if (p.startsWith("vCont;")) {
            // all-stop with one thread: the first action that applies to thread 1 (or to all)
            for (String action : p.substring(6).split(";")) {
                int colon = action.indexOf(':');
                String thread = colon < 0 ? "-1" : action.substring(colon + 1);
                if (thread.equals("-1") || thread.equals("1") || thread.equals("01") || thread.equals("p1.1")) {
                    char a = action.charAt(0);
                    if (a == 'c' || a == 'C' || a == 's' || a == 'S') {
                        resume("", a == 's' || a == 'S');
                        return;
                    }
                }
            }
            reply("E01");
        } else {
            reply("");
        }
    }

    private void readRegister(int n) throws IOException {
        if (n >= HostDebug.REGISTERS.size()) {
            reply("E14");
            return;
        }
        reply(HEX.formatHex(onVcpu(() -> debug.readRegister(n))));
    }

    private boolean writeRegisters(byte[] all) {
        return onVcpu(() -> {
            boolean ok = true;
            int at = 0;
            for (int n = 0; n < HostDebug.REGISTERS.size() && at < all.length; n++) {
                int len = HostDebug.REGISTERS.get(n).bytes();
                byte[] v = Arrays.copyOfRange(all, at, Math.min(all.length, at + len));
                if (v.length == len) {
                    ok &= debug.writeRegister(n, v);
                }
                at += len;
            }
            return ok;
        });
    }

    private void readMemory(String args) throws IOException {
        String[] a = args.split(",");
        long addr = Long.parseUnsignedLong(a[0], 16);
        int len = Math.min(Integer.parseInt(a[1], 16), PACKET_SIZE / 2);
        byte[] buf = new byte[len];
        reply(onVcpu(() -> debug.read(addr, buf, 0, len)) ? HEX.formatHex(buf) : "E14");
    }

    private void writeMemory(String args) throws IOException {
        int colon = args.indexOf(':');
        String[] a = args.substring(0, colon).split(",");
        long addr = Long.parseUnsignedLong(a[0], 16);
        byte[] data = HEX.parseHex(args.substring(colon + 1));
        if (data.length != Integer.parseInt(a[1], 16)) {
            reply("E01");
            return;
        }
        reply(onVcpu(() -> debug.write(addr, data, 0, data.length)) ? "OK" : "E14");
    }

    /** {@code Ztype,addr,kind} and {@code ztype,addr,kind}: types 0 and 1 break, 2 write, 3 read and 4 access watchpoints. */
    private void breakpoint(String p) throws IOException {
        boolean on = p.charAt(0) == 'Z';
        String[] a = p.substring(1).split("[,;]");
        int type = Integer.parseInt(a[0]);
        long addr = Long.parseUnsignedLong(a[1], 16);
        int kind = Integer.parseInt(a[2], 16);
        switch (type) {
            case 0, 1 -> {
                onVcpu(() -> debug.setBreakpoint(addr, on));
                reply("OK");
            }
            case 2, 3, 4 -> {
                if (kind < 1 || kind > 8) {
                    reply("E22");
                    return;
                }
                int watch = type == 2 ? HostDebug.WATCH_WRITE : type == 3 ? HostDebug.WATCH_READ : HostDebug.WATCH_ACCESS;
                onVcpu(() -> debug.setWatchpoint(addr, kind, watch, on));
                reply("OK");
            }
            default -> reply("");
        }
    }

    /** Continues ({@code step} false) or single-steps, from {@code addr} (hex) when given. */
    private void resume(String addr, boolean step) throws IOException {
        if (!addr.isEmpty()) {
            long rip = Long.parseUnsignedLong(addr, 16);
            onVcpu(() -> {
                debug.setPc(rip);
                return null;
            });
        }
        monitor.debuggerResumed();
        if (step) {
            long[] hit = onVcpu(() -> {
                debug.resuming();
                debug.step();
                return debug.watchpointHit();
            });
            monitor.debuggerStopped();
            reply(stopReply(hit));
            return;
        }
        onVcpu(() -> {
            debug.resuming();
            return null;
        });
        running.set(true);
        loop.resume();
    }

    /** Ctrl-C: stops a running guest and reports SIGINT. */
    private void interrupt() throws IOException {
        if (!running.get()) {
            return;
        }
        loop.pause();
        loop.callOnVcpu(() -> null);
        if (running.compareAndSet(true, false)) {
            monitor.debuggerStopped();
            reply(STOP_INT);
        }
    }

    /** A breakpoint or watchpoint stopped the guest (the machine is paused). On the vCPU thread. */
    void debugStop() {
        if (running.compareAndSet(true, false)) {
            monitor.debuggerStopped();
            try {
                reply(stopReply(debug.watchpointHit()));
            } catch (IOException e) {
                close();
            }
        }
    }

    private static String stopReply(long[] watchHit) {
        if (watchHit == null) {
            return STOP_TRAP;
        }
        String kind = watchHit[0] == HostDebug.WATCH_WRITE ? "watch" : watchHit[0] == HostDebug.WATCH_READ ? "rwatch" : "awatch";
        return "T05" + kind + ":" + Long.toHexString(watchHit[1]) + ";thread:01;";
    }

    /** The guest's run ended: tells the debugger its exit status and closes. */
    void exited(int status) {
        try {
            reply(String.format("W%02x", status & 0xFF));
        } catch (IOException e) {
            // the debugger is gone already
        }
        close();
    }

    void close() {
        gone = true;
        try {
            channel.close();
        } catch (IOException e) {
            System.err.println("jemu: gdbstub: " + e.getMessage());
        }
    }

    private <T> T onVcpu(Callable<T> task) {
        return loop.callOnVcpu(task);
    }

    private void reply(String data) throws IOException {
        StringBuilder b = new StringBuilder(data.length() + 4).append('$');
        int sum = 0;
        for (int k = 0; k < data.length(); k++) {
            char ch = data.charAt(k);
            if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
                b.append('}');
                sum += '}';
                ch ^= 0x20;
            }
            b.append(ch);
            sum += ch;
        }
        b.append('#').append(HEX.toHexDigits((byte) sum));
        send(b.toString());
    }

    private void send(String s) throws IOException {
        synchronized (out) {
            ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }
    }
}
