package dev.jemu.cli.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jemu.cli.vm.PcVm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The protocol of one session against a machine built for tests (manual clock, never run).
 * Expected replies are QEMU 7.2's, recorded from {@code qemu-system-x86_64 -qmp stdio}.
 */
class QmpSessionTest {
    private PcVm pc;
    private QmpVm vm;
    private QmpSession session;
    private final List<String> sent = new ArrayList<>();
    private boolean closed;

    @BeforeEach
    void setUp() throws Exception {
        pc = PcVm.createForTest("-nodefaults", "-name", "guest1");
        vm = new QmpVm("1.2.3", pc.board(), pc.mainContext(), "guest1", List.of(), List.of(), true, false,
                pc.board().ide()::resumeStoppedRequests);
        session = new QmpSession(vm, vm.commands(), new QmpSession.Transport() {
            @Override
            public void send(byte[] line) {
                sent.add(new String(line, StandardCharsets.UTF_8));
            }

            @Override
            public void close() {
                closed = true;
            }
        });
        session.start();
    }

    @AfterEach
    void tearDown() {
        pc.close();
    }

    private List<JsonNode> feed(String text) throws Exception {
        sent.clear();
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        session.input(b, 0, b.length);
        List<JsonNode> out = new ArrayList<>();
        for (String s : sent) {
            out.add(QmpSession.MAPPER.readTree(s));
        }
        return out;
    }

    private JsonNode one(String text) throws Exception {
        List<JsonNode> r = feed(text);
        assertEquals(1, r.size(), r.toString());
        return r.get(0);
    }

    private static void assertError(JsonNode reply, String cls, String desc) {
        assertEquals(cls, reply.path("error").path("class").asText(), reply.toString());
        assertEquals(desc, reply.path("error").path("desc").asText(), reply.toString());
    }

    private void negotiate() throws Exception {
        assertEquals("{}", one("{\"execute\":\"qmp_capabilities\"}").get("return").toString());
    }

    @Test
    void greetingHasVersionAndOob() throws Exception {
        JsonNode g = QmpSession.MAPPER.readTree(sent.get(0));
        assertEquals(1, g.path("QMP").path("version").path("qemu").path("major").asInt());
        assertEquals(2, g.path("QMP").path("version").path("qemu").path("minor").asInt());
        assertEquals(3, g.path("QMP").path("version").path("qemu").path("micro").asInt());
        assertEquals("jemu", g.path("QMP").path("version").path("package").asText());
        assertEquals("[\"oob\"]", g.path("QMP").path("capabilities").toString());
    }

    @Test
    void commandsBeforeNegotiationAreRefused() throws Exception {
        assertError(one("{\"execute\":\"query-status\"}"), "CommandNotFound",
                "Expecting capabilities negotiation with 'qmp_capabilities'");
        JsonNode r = one("{\"execute\":\"qmp_capabilities\",\"id\":1}");
        assertEquals(1, r.get("id").asInt());
        assertError(one("{\"execute\":\"qmp_capabilities\"}"), "CommandNotFound",
                "Capabilities negotiation is already complete, command ignored");
    }

    @Test
    void malformedRequests() throws Exception {
        negotiate();
        assertError(one("{\"arguments\":{}}"), "GenericError", "QMP input lacks member 'execute'");
        assertError(one("{\"execute\":5}"), "GenericError", "QMP input member 'execute' must be a string");
        assertError(one("[1]"), "GenericError", "QMP input must be a JSON object");
        assertError(one("{\"execute\":\"stop\",\"x\":1}"), "GenericError", "QMP input member 'x' is unexpected");
        assertError(one("{\"execute\":\"query-status\",\"arguments\":[]}"), "GenericError",
                "QMP input member 'arguments' must be an object");
        assertError(one("{\"exec-oob\":\"query-status\"}"), "GenericError", "QMP input member 'exec-oob' is unexpected");
        assertTrue(one("foo\n").path("error").path("desc").asText().startsWith("JSON parse error, "));
        assertTrue(one("{\"execute\":}").path("error").path("desc").asText().startsWith("JSON parse error, "));
        assertError(one("{\"execute\":\"nope\"}"), "CommandNotFound", "The command nope has not been found");
        // the session still answers after all of that
        assertEquals("guest1", one("{\"execute\":\"query-name\"}").path("return").path("name").asText());
    }

    @Test
    void argumentsAreChecked() throws Exception {
        negotiate();
        assertError(one("{\"execute\":\"stop\",\"arguments\":{\"a\":1}}"), "GenericError", "Parameter 'a' is unexpected");
        assertError(one("{\"execute\":\"human-monitor-command\"}"), "GenericError", "Parameter 'command-line' is missing");
        assertError(one("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":5}}"), "GenericError",
                "Invalid parameter type for 'command-line', expected: string");
    }

    @Test
    void valuesMaySpanChunksAndShareLines() throws Exception {
        negotiate();
        assertEquals(0, feed("{\"execute\":\"query-").size());
        List<JsonNode> r = feed("status\",\"id\":\"a}\"} {\"execute\":\"query-name\",\"id\":[2]}");
        assertEquals(2, r.size());
        assertEquals("a}", r.get(0).get("id").asText());
        assertEquals("prelaunch", r.get(0).path("return").path("status").asText());
        assertEquals("[2]", r.get(1).get("id").toString());
    }

    @Test
    void oversizedValueClosesTheSession() throws Exception {
        negotiate();
        String big = "{\"execute\":\"" + "x".repeat(QmpSession.MAX_MESSAGE) + "\"}";
        List<JsonNode> r = feed(big);
        assertEquals(1, r.size());
        assertEquals("GenericError", r.get(0).path("error").path("class").asText());
        assertTrue(closed);
        assertTrue(session.isClosed());
    }

    @Test
    void stopContAndEvents() throws Exception {
        negotiate();
        List<JsonNode> r = feed("{\"execute\":\"cont\"}");
        assertEquals("RESUME", r.get(0).path("event").asText());
        assertTrue(r.get(0).path("timestamp").has("seconds"));
        assertTrue(r.get(0).path("timestamp").has("microseconds"));
        assertEquals("{}", r.get(1).path("return").toString());
        assertFalse(pc.board().loop().isPaused());
        assertEquals("running", one("{\"execute\":\"query-status\"}").path("return").path("status").asText());
        r = feed("{\"execute\":\"stop\"}");
        assertEquals("STOP", r.get(0).path("event").asText());
        assertTrue(pc.board().loop().isPaused());
        // the RESET of system_reset comes from the vCPU thread, which this machine lacks: the
        // QEMU comparison (QmpShapesTest) sees it
    }

    @Test
    void humanMonitorDumpsMemory() throws Exception {
        negotiate();
        // SeaBIOS's reset vector: a far jump (0xEA) to F000:E05B, as QEMU's x /4x 0xffff0 shows it
        String out = one("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"xp /1x 0xffff0\"}}")
                .path("return").asText();
        assertEquals("00000000000ffff0: 0x00e05bea\r\n", out);
        assertEquals("unknown command: 'foo'\r\n", one("{\"execute\":\"human-monitor-command\",\"arguments\":"
                + "{\"command-line\":\"foo\"}}").path("return").asText());
    }

    @Test
    void schemaDescribesEveryCommandAndItsArguments() throws Exception {
        negotiate();
        JsonNode schema = one("{\"execute\":\"query-qmp-schema\"}").path("return");
        java.util.Map<String, JsonNode> byName = new java.util.HashMap<>();
        schema.forEach(e -> byName.put(e.path("name").asText(), e));
        JsonNode commands = one("{\"execute\":\"query-commands\"}").path("return");
        assertTrue(commands.size() > 15, commands.toString());
        for (JsonNode c : commands) {
            JsonNode info = byName.get(c.path("name").asText());
            assertEquals("command", info.path("meta-type").asText(), c.toString());
            JsonNode args = byName.get(info.path("arg-type").asText());
            assertEquals("object", args.path("meta-type").asText(), info.toString());
            for (JsonNode m : args.path("members")) {
                assertTrue(byName.containsKey(m.path("type").asText()), m.toString());
            }
        }
        JsonNode hmpArgs = byName.get(byName.get("human-monitor-command").path("arg-type").asText());
        assertEquals("command-line", hmpArgs.path("members").get(0).path("name").asText());
        assertEquals("str", hmpArgs.path("members").get(0).path("type").asText());
        assertTrue(hmpArgs.path("members").get(1).has("default"), "cpu-index is optional");
        JsonNode shutdownArgs = byName.get(byName.get("SHUTDOWN").path("arg-type").asText());
        assertEquals("ShutdownCause", shutdownArgs.path("members").get(1).path("type").asText());
    }

    @Test
    void infoRegistersShowsTheResetState() throws Exception {
        negotiate();
        String regs = one("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info registers\"}}")
                .path("return").asText();
        // the x86 reset state (Intel SDM vol. 3, table 9-1): CS F000 base FFFF0000, EIP FFF0, EFLAGS 2, CR0 60000010
        assertTrue(regs.contains("EIP=0000fff0 EFL=00000002 [-------] CPL=0"), regs);
        assertTrue(regs.contains("CS =f000 ffff0000 0000ffff"), regs);
        assertTrue(regs.contains("CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000"), regs);
    }
}
