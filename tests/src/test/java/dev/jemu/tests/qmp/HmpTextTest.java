package dev.jemu.tests.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The human monitor's text beside QEMU's, line for line: the same command lines through
 * {@code human-monitor-command} to {@code qemu-system-x86_64} and to jemu, both paused before
 * the firmware runs (so memory holds the same SeaBIOS image and nothing else), must answer the
 * same text. The lines cover {@code x}/{@code xp}'s formats and sizes (remembered from one
 * command to the next), the format glued to the command's name, address expressions
 * (operators and their precedence, registers, C's number notation), memory that is not there,
 * instruction dumps, the monitor's parse errors, unknown {@code info} topics, {@code info
 * registers} and {@code stop}/{@code c}.
 */
class HmpTextTest {
    private static Workspace workspace;

    /** Command lines, run in this order (the formats and sizes they leave out come from the one before). */
    private static final List<String> LINES = List.of(
            "x /3i 0xffff0", "xp /3i 0xffff0", "x/3i 0xffff0", "xp /2ow 0xffff0", "xp /2ob 0xffff0", "xp /2og 0xffff0",
            "xp /3c 0xffff0", "xp /3cb 0xffff0", "xp /20c 0xffff0", "xp /2cw 0xffff0", "xp /64cb 0xf0000",
            "xp /64cb 0xf1000", "xp /4dg 0xf0000", "xp /4ug 0xf0000", "xp /5dw 0xf0000", "xp /5uh 0xf0000",
            "xp /5ob 0xf0000", "xp /5og 0xf0000", "x /2dh 0xffff0", "x /2ih 0xffff0", "xp 0xffff0", "xp /x 0xffff0",
            "xp /d 0xffff0", "xp /0i 0xffff0", "x /0x 0xffff0", "  xp  /2xb   0xffff0  ", "xp /2xbh 0xffff0",
            "xp /2hb 0xffff0", "xp /b2 0xffff0", "xp", "xp /", "xp /2", "xp /x", "xp 0x10 junk", "xp zz", "xp /2x",
            "x /2x 0x4000000", "xp /2x 0x4000000", "xp /2xw 0x3fffffc", "xp /2x 0xfffffffffff", "x /2x 0x100000000",
            "x /2i 0x3ffffff", "xp /2i 0x3fffffe", "xp 0xffff0+4", "xp $pc", "xp 16", "xp 010", "xp $foo", "xp 1/0",
            "xp (1+", "xp -1", "xp 0x", "xp /2x 0xffff0 + 4", "xp 2*4|1", "xp 1|2*4", "xp 6&3+1", "xp 6+3&1",
            "xp 5^1*2", "xp 8/2/2", "xp 10-2-3", "xp 'a'", "xp 'ab'", "xp ''", "xp $eax", "xp $rip", "xp $eflags",
            "xp $cs", "xp $sp", "xp $r15", "xp $r16", "xp 0X10", "xp 0b11", "xp --4", "xp +5", "xp 3 /2", "xp $",
            "xp 99999999999999999999", "xp 18446744073709551615", "xp 0x1ffffffffffffffff", "xp 6/-4", "xp -7%3",
            "xp 1 0x10", "info bogus", "info qtree junk", "info status junk", "info registers extra",
            "info registers 1", "info name", "info status", "stop", "c", "info status", "cont");

    @BeforeAll
    static void emulatorsAreInstalled() {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
    }

    /** Each line's output, then that of {@code info registers} while still paused, as first. */
    private static List<String> run(Emulator emulator, List<String> lines) throws Exception {
        Path dir = workspace.buildDir("qmp/hmp-" + emulator.displayName());
        List<String> options = List.of("-machine", "pc", "-m", "64M", "-display", "none", "-nodefaults", "-S",
                "-name", "hmp");
        List<String> out = new ArrayList<>();
        try (QmpVmProcess vm = QmpVmProcess.start(emulator, workspace, dir, 1, options);
             QmpClient qmp = vm.connect(0)) {
            qmp.greeting();
            qmp.execute("qmp_capabilities");
            for (String line : lines) {
                JsonNode reply = qmp.request(QmpClient.JSON.createObjectNode().put("execute", "human-monitor-command")
                        .set("arguments", QmpClient.JSON.createObjectNode().put("command-line", line)).toString());
                out.add(reply.has("return") ? reply.path("return").asText() : "error: " + reply);
            }
            qmp.execute("quit");
            assertEquals(0, vm.awaitExit(QmpClient.REPLY_TIMEOUT), emulator.displayName() + ": " + vm.stderr());
        }
        return out;
    }

    @Test
    void monitorLinesAnswerQemusText() throws Exception {
        List<String> qemu = run(Emulator.QEMU, LINES);
        List<String> jemu = run(Emulator.JEMU, LINES);
        for (int i = 0; i < LINES.size(); i++) {
            assertEquals(qemu.get(i), jemu.get(i), "'" + LINES.get(i) + "'");
        }
    }

    /**
     * {@code info registers} at reset: QEMU's text but for the x87 control word, which jemu resets
     * to the Intel SDM's power-up value 0040H (vol. 3, table 9-1) where QEMU sets 037FH, FNINIT's.
     */
    @Test
    void registersAtResetAreQemusDump() throws Exception {
        String qemu = run(Emulator.QEMU, List.of("info registers")).getFirst();
        String jemu = run(Emulator.JEMU, List.of("info registers")).getFirst();
        assertTrue(qemu.contains("FCW=037f "), qemu);
        assertTrue(jemu.contains("FCW=0040 "), jemu);
        assertEquals(qemu.replace("FCW=037f ", "FCW=0040 "), jemu);
    }
}
