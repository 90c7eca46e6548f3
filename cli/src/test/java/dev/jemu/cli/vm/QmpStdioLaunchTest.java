package dev.jemu.cli.vm;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jemu -S -qmp stdio} through the launcher: the expected lines are those
 * {@code qemu-system-x86_64 -S -qmp stdio -nodefaults -display none} (7.2) prints for the same
 * input, timestamps and version aside.
 */
class QmpStdioLaunchTest {
    @Test
    void startsPausedAnswersOnStdioAndQuits() {
        String input = """
                {"execute":"query-status"}
                {"execute":"qmp_capabilities","id":1}
                {"execute":"query-status","id":"x"}
                {"execute":"quit"}
                """;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JemuMain.run(new String[] {"-S", "-qmp", "stdio", "-nodefaults", "-display", "none"},
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, new PrintStream(err, true));
        assertEquals(0, status, err.toString());
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(6, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": "), lines.get(0));
        assertTrue(lines.get(0).endsWith("\"capabilities\": [\"oob\"]}}"), lines.get(0));
        assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities negotiation with "
                + "'qmp_capabilities'\"}}", lines.get(1));
        assertEquals("{\"return\": {}, \"id\": 1}", lines.get(2));
        assertEquals("{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}, \"id\": \"x\"}",
                lines.get(3));
        assertTrue(lines.get(4).matches("\\{\"timestamp\": \\{\"seconds\": \\d+, \"microseconds\": \\d+}, \"event\": "
                + "\"SHUTDOWN\", \"data\": \\{\"guest\": false, \"reason\": \"host-qmp-quit\"}}"), lines.get(4));
        assertEquals("{\"return\": {}}", lines.get(5));
    }
}
