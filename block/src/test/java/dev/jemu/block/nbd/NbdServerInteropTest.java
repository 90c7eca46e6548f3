package dev.jemu.block.nbd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.jemu.block.nbd.NbdTesting.exec;
import static dev.jemu.block.nbd.NbdTesting.ok;
import static dev.jemu.block.nbd.NbdTesting.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real NBD clients (qemu-img, qemu-io, nbdinfo, nbdcopy) against jemu's server. */
class NbdServerInteropTest {
    private static final long MIB = 1 << 20;

    @TempDir
    static Path dir;
    static Path image;
    static NbdTesting.Served served;

    @BeforeAll
    static void serveHalfAllocatedQcow2() throws Exception {
        image = dir.resolve("disk.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "64M");
        qemuIo("qcow2", image.toString(), "write -P 0x11 0 1M", "write -P 0x22 8M 3M", "write -P 0x33 63M 1M");
        served = NbdTesting.serve(image, NbdTesting.settings("disk", false, 4), 4,
                NbdServer.Config.DEFAULT_HANDSHAKE_TIMEOUT_MS);
    }

    @AfterAll
    static void stop() throws Exception {
        served.close();
    }

    @Test
    void qemuImgInfoSeesTheExportSize() throws Exception {
        String out = ok("qemu-img", "info", "--output=json", served.uri("disk"));
        assertTrue(out.contains("\"virtual-size\": " + 64 * MIB), out);
        assertTrue(out.contains("\"format\": \"raw\""), out);
    }

    @Test
    void qemuImgMapReportsDataAndHolesOfTheImage() throws Exception {
        String out = ok("qemu-img", "map", "--output=json", "-f", "raw", served.uri("disk"));
        assertTrue(out.contains("{ \"start\": 0, \"length\": 1048576, \"depth\": 0, \"present\": true, \"zero\": false, \"data\": true"), out);
        assertTrue(out.contains("{ \"start\": 1048576, \"length\": 7340032, \"depth\": 0, \"present\": true, \"zero\": true, \"data\": false"), out);
        assertTrue(out.contains("{ \"start\": 8388608, \"length\": 3145728, \"depth\": 0, \"present\": true, \"zero\": false, \"data\": true"), out);
    }

    @Test
    void qemuImgCompareFindsTheExportEqualToTheImage() throws Exception {
        NbdTesting.Run r = exec(60, "qemu-img", "compare", "-U", "-f", "raw", "-F", "qcow2", served.uri("disk"),
                image.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
    }

    @Test
    void qemuImgConvertCopiesTheExport() throws Exception {
        Path copy = dir.resolve("copy.raw");
        ok("qemu-img", "convert", "-f", "raw", "-O", "raw", served.uri("disk"), copy.toString());
        assertEquals(64 * MIB, Files.size(copy));
        ok("qemu-img", "compare", "-U", "-f", "raw", "-F", "qcow2", copy.toString(), image.toString());
    }

    @Test
    void qemuIoWritesZeroesDiscardsAndReadsBack() throws Exception {
        String uri = served.uri("disk");
        qemuIo("raw", uri, "write -P 0x5a 32M 64k", "read -P 0x5a 32M 64k",
                "write -z 32M 4k", "read -P 0 32M 4k", "read -P 0x5a 32772k 60k",
                "discard 32772k 60k", "write -P 0x77 32772k 4k", "read -P 0x77 32772k 4k",
                "write -P 0x42 1000 100", "read -P 0x42 1000 100", "read -P 0x11 1100 1000");
    }

    @Test
    void nbdinfoListsTheExportWithItsDescription() throws Exception {
        String out = ok("nbdinfo", "--list", "nbd://127.0.0.1:" + served.port());
        assertTrue(out.contains("export=\"disk\""), out);
        assertTrue(out.contains("description: jemu test disk"), out);
        assertTrue(out.contains("block_size_maximum: 33554432"), out);
    }

    @Test
    void nbdinfoMapShowsAllocation() throws Exception {
        String out = ok("nbdinfo", "--map", served.uri("disk"));
        assertTrue(out.matches("(?s)\\s*0\\s+1048576\\s+0\\s+data.*"), out);
        assertTrue(out.contains("1048576     7340032    3  hole,zero") || out.matches("(?s).*1048576\\s+7340032\\s+3\\s+hole,zero.*"), out);
    }

    @Test
    void nbdcopyWithTwoConnectionsCopiesTheExport() throws Exception {
        Path copy = dir.resolve("nbdcopy.raw");
        ok("nbdcopy", "--connections=2", served.uri("disk"), copy.toString());
        ok("qemu-img", "compare", "-U", "-f", "raw", "-F", "qcow2", copy.toString(), image.toString());
        ok("nbdcopy", "--connections=2", served.uri("disk"), "null:");
    }
}
