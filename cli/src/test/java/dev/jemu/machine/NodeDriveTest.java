package dev.jemu.machine;

import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Disks on block nodes the embedding program opened itself, attached from the builder. */
class NodeDriveTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * A boot sector (SeaBIOS loads it at 0x7C00 with the boot drive in DL): writes 512 bytes
     * of 'J' to the disk's second sector with INT 13h AH=03h (CHS 0/0/2), says "boot ok" on
     * COM1 and leaves through isa-debug-exit with 0x21.
     */
    private static final String BOOT_SECTOR = """
                    bits 16
                    org 0x7C00
                    cli
                    xor ax, ax
                    mov ds, ax
                    mov es, ax
                    mov ss, ax
                    mov sp, 0x7C00
                    mov di, 0x8000
                    mov cx, 512
                    mov al, 'J'
                    rep stosb
                    mov ax, 0x0301
                    mov cx, 0x0002
                    xor dh, dh
                    mov bx, 0x8000
                    int 0x13
                    mov si, ok
                    jnc print
                    mov si, bad
            print:  lodsb
                    test al, al
                    jz done
                    mov dx, 0x3F8
                    out dx, al
                    jmp print
            done:   mov al, 0x21
                    mov dx, 0xF4
                    out dx, al
                    hlt
            ok:     db "boot ok", 10, 0
            bad:    db "write failed", 10, 0
                    times 510 - ($ - $$) db 0
                    dw 0xAA55
            """;

    /** The boot sector in a 1 MiB qcow2 made by qemu-img. */
    private static Path disk(Path dir) throws IOException, InterruptedException {
        Path src = Files.writeString(dir.resolve("boot.asm"), BOOT_SECTOR);
        Path raw = dir.resolve("boot.raw");
        run("nasm", "-f", "bin", "-o", raw.toString(), src.toString());
        run("truncate", "-s", "1M", raw.toString());
        Path qcow2 = dir.resolve("boot.qcow2");
        run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());
        return qcow2;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
        return out;
    }

    private static BlockDriverState open(Path image, boolean readOnly) throws IOException {
        return BlockGraph.open(BlockOptions.empty().put("driver", "qcow2").put("file", image.toString())
                .put("read-only", readOnly ? "on" : "off"));
    }

    private static void closeNode(BlockDriverState node) throws IOException {
        node.close();
        AioContext ctx = AioContext.current();
        if (ctx != null) {
            ctx.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ide", "virtio"})
    void theGuestBootsFromTheProgramsNodeAndWritesIt(String iface, @TempDir Path dir) throws Exception {
        Path image = disk(dir);
        BlockDriverState node = open(image, false);
        try (Machine m = Machine.builder().memory("64M").debugExit().drive("disk0", node, iface).build()) {
            m.start().console().expect("boot ok");
            assertEquals(67, m.waitForExit(WAIT));
        }
        // the machine drained and flushed the node but left it open: it is still the program's
        assertEquals(1 << 20, node.length());
        closeNode(node);
        // qemu-io as the oracle of what reached the image
        String out = run("qemu-io", "-f", "qcow2", "-c", "read -P 0x4a 512 512", image.toString());
        assertTrue(out.contains("read 512/512 bytes at offset 512"), out);
    }

    @Test
    void badAttachmentsAreRefusedWithAOneLineError(@TempDir Path dir) throws Exception {
        Path image = disk(dir);
        BlockDriverState node = open(image, true);
        try {
            MachineException e = assertThrows(MachineException.class,
                    () -> Machine.builder().drive("disk0", node, "scsi").build());
            assertEquals("drive disk0: interface 'scsi' is not ide or virtio", e.getMessage());
            e = assertThrows(MachineException.class, () -> Machine.builder().drive("disk0", node, "ide").build());
            assertEquals("Block node is read-only", e.getMessage());
            e = assertThrows(MachineException.class, () -> Machine.builder()
                    .drive("file=" + image + ",format=qcow2,if=none,id=disk0,readonly=on").drive("disk0", node, "virtio").build());
            assertEquals("drive disk0: Duplicate ID 'disk0' for drive", e.getMessage());
        } finally {
            closeNode(node);
        }
    }
}
