package dev.jemu.cli.vm;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs multiboot kernels through the launcher as a user would. */
class JemuMainTest {
    private static final String KERNEL = """
        BITS 32
        ORG 0x100000
        FLAGS equ 0x10000
        header:
            dd 0x1BADB002, FLAGS, -(0x1BADB002 + FLAGS)
            dd header, header, end, bss_end, start
        start:
            mov esp, stack_top
            cmp eax, 0x2BADB002
            jne fail
            mov esi, [ebx + 16]
        print:
            lodsb
            test al, al
            jz done
            mov dx, 0x3F8
            out dx, al
            jmp print
        done:
            mov dx, 0xF4
            mov eax, 0x10
            out dx, eax
        fail:
            mov dx, 0xF4
            mov eax, 1
            out dx, eax
        end:
        align 16
            times 1024 db 0
        stack_top:
        bss_end:
        """;

    private static Path assemble(Path dir, String source) throws IOException, InterruptedException {
        Path src = dir.resolve("k.asm");
        Path bin = dir.resolve("k.bin");
        Files.writeString(src, source);
        Process p = new ProcessBuilder("nasm", "-f", "bin", "-o", bin.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "nasm: " + log);
        return bin;
    }

    @Test
    void multibootKernelPrintsItsCommandLineOnCom1AndExitsThroughDebugExit() throws Exception {
        Path dir = Files.createTempDirectory("jemu-main");
        Path kernel = assemble(dir, KERNEL);
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JemuMain.run(new String[] {"-machine", "pc", "-m", "64M", "-display", "none", "-serial", "stdio",
            "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", kernel.toString(),
            "-append", "hello world"}, java.io.InputStream.nullInputStream(), serial, new PrintStream(err));
        assertEquals(33, status, err.toString());
        assertEquals(kernel + " hello world", serial.toString());
    }

    @Test
    void biosStartsAtTheResetVectorInRealMode() throws Exception {
        Path dir = Files.createTempDirectory("jemu-main");
        Path bios = assemble(dir, """
            BITS 16
            ORG 0
            start:
                mov ax, cs
                mov ds, ax
                mov si, msg
                mov dx, 0x3F8
            next:
                lodsb
                test al, al
                jz done
                out dx, al
                jmp next
            done:
                mov dx, 0xF4
                mov al, 2
                out dx, al
            msg: db "bios ok", 0
                times 0xFFF0 - ($ - $$) db 0
                jmp 0xF000:start
                times 0x10000 - ($ - $$) db 0
            """);
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        int status = JemuMain.run(new String[] {"-m", "16M", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=1",
            "-bios", bios.toString()}, java.io.InputStream.nullInputStream(), serial, new PrintStream(new ByteArrayOutputStream()));
        assertEquals(5, status);
        assertEquals("bios ok", serial.toString());
    }

    @Test
    void tripleFaultWithNoRebootExitsWithStatusZero() throws Exception {
        Path dir = Files.createTempDirectory("jemu-main");
        Path kernel = assemble(dir, KERNEL.replace("mov esp, stack_top", "lidt [bad_idt]\n    int3\nbad_idt: dw 0\n    dd 0"));
        int status = JemuMain.run(new String[] {"-m", "16M", "-no-reboot", "-kernel", kernel.toString()},
                java.io.InputStream.nullInputStream(), new ByteArrayOutputStream(), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, status);
    }

    @Test
    void missingKernelFileIsAOneLineError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JemuMain.run(new String[] {"-kernel", "/nonexistent/k.bin"}, java.io.InputStream.nullInputStream(), new ByteArrayOutputStream(), new PrintStream(err));
        assertEquals(1, status);
        assertEquals("jemu: -kernel /nonexistent/k.bin: Could not open '/nonexistent/k.bin': No such file or directory\n",
                err.toString());
    }

    @Test
    void fileThatIsNeitherBzImageNorMultibootIsRejected() throws Exception {
        Path f = Files.createTempFile("jemu", ".bin");
        Files.write(f, new byte[4096]);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JemuMain.run(new String[] {"-kernel", f.toString()}, java.io.InputStream.nullInputStream(), new ByteArrayOutputStream(), new PrintStream(err));
        assertEquals(1, status);
        assertEquals("jemu: -kernel " + f + ": neither a Linux bzImage (no \"HdrS\" header at 0x202) nor a multiboot kernel"
                + " (no multiboot header in the first 8 KiB)\n", err.toString());
    }
}
