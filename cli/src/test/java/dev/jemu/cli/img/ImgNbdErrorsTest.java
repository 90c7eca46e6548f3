package dev.jemu.cli.img;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** NBD exports jemu-img cannot reach: qemu-img's lines (the address and strerror), not Netty's. */
class ImgNbdErrorsTest {
    @TempDir
    Path dir;

    private void sameAsQemu(String... args) throws Exception {
        assertEquals(ImgRun.qemu(dir, args).asJemu(), ImgRun.jemu(args), String.join(" ", args));
    }

    @Test
    void aPortNobodyListensOnIsConnectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        sameAsQemu("info", "nbd://127.0.0.1:" + port + "/");
    }

    @Test
    void aMissingUnixSocketIsNoSuchFile() throws Exception {
        sameAsQemu("info", "nbd+unix:///?socket=" + dir.resolve("nonexistent/s"));
        sameAsQemu("info", "nbd+unix:///?socket=" + dir.resolve("none.sock"));
    }

    @Test
    void anAddressThatDoesNotResolveIsNamed() throws Exception {
        sameAsQemu("info", "nbd://999.1.1.1:10809/");
    }
}
