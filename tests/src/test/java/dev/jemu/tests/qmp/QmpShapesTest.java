package dev.jemu.tests.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.jemu.tests.guest.Emulator;
import dev.jemu.tests.guest.GuestProcess;
import dev.jemu.tests.guest.GuestRun;
import dev.jemu.tests.guest.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One QMP script against {@code qemu-system-x86_64} and against jemu, started alike and
 * paused: the replies must have QEMU's shapes (the same keys with the same JSON types, values
 * aside) and, for errors, QEMU's classes and, for the protocol's own errors, its words; for
 * the block queries, where jemu reports fewer statistics than QEMU, every key jemu sends must be
 * one QEMU sends. Human monitor output that depends only on the machine before the firmware
 * runs (memory of the same SeaBIOS, the PCI functions) must be QEMU's text.
 */
class QmpShapesTest {
    private static Workspace workspace;

    @BeforeAll
    static void emulatorsAreInstalled() {
        workspace = Workspace.current();
        assertTrue(Emulator.QEMU.isInstalled(workspace), "qemu-system-x86_64 is not on PATH (Debian package qemu-system-x86)");
        assertTrue(Emulator.JEMU.isInstalled(workspace), "jemu's launcher is not built");
    }

    /** How a reply is compared. */
    private enum Compare { SHAPE, KEYS_SUBSET, ERROR_CLASS, ERROR_TEXT, TEXT }

    private record Step(String request, Compare compare) {
    }

    private static final List<Step> SCRIPT = List.of(
            new Step("{\"execute\":\"query-status\"}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"qmp_capabilities\",\"id\":\"neg\"}", Compare.SHAPE),
            new Step("{\"execute\":\"qmp_capabilities\"}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"query-version\",\"id\":7}", Compare.SHAPE),
            new Step("{\"execute\":\"query-status\"}", Compare.SHAPE),
            new Step("{\"execute\":\"query-name\"}", Compare.SHAPE),
            new Step("{\"execute\":\"query-cpus-fast\"}", Compare.SHAPE),
            new Step("{\"execute\":\"query-iothreads\"}", Compare.SHAPE),
            new Step("{\"execute\":\"query-block\"}", Compare.KEYS_SUBSET),
            new Step("{\"execute\":\"query-blockstats\"}", Compare.KEYS_SUBSET),
            new Step("{\"execute\":\"query-named-block-nodes\"}", Compare.KEYS_SUBSET),
            new Step("{\"execute\":\"query-pci\"}", Compare.SHAPE),
            new Step("{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"null-co\",\"node-name\":\"null0\",\"size\":1048576}}", Compare.SHAPE),
            new Step("{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"null-co\",\"node-name\":\"null0\"}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"null-co\"}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"blockdev-add\",\"arguments\":{\"node-name\":\"x\"}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"raw\",\"node-name\":\"raw0\","
                    + "\"file\":{\"driver\":\"file\",\"filename\":\"@DIR@/extra.raw\"}}}", Compare.SHAPE),
            new Step("{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"qcow2\",\"node-name\":\"q1\","
                    + "\"file\":{\"driver\":\"file\",\"filename\":\"@DIR@/extra.qcow2\"}}}", Compare.SHAPE),
            new Step("{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"nbd\",\"node-name\":\"nbd0\","
                    + "\"server\":{\"type\":\"unix\",\"path\":\"@DIR@/nbd.sock\"}}}", Compare.SHAPE),
            new Step("{\"execute\":\"query-named-block-nodes\"}", Compare.KEYS_SUBSET),
            new Step("{\"execute\":\"block_resize\",\"arguments\":{\"node-name\":\"raw0\",\"size\":2097152}}", Compare.SHAPE),
            new Step("{\"execute\":\"block_resize\",\"arguments\":{\"node-name\":\"q1\",\"size\":4194304}}", Compare.SHAPE),
            new Step("{\"execute\":\"block_resize\",\"arguments\":{\"device\":\"d0\",\"size\":3145728}}", Compare.SHAPE),
            new Step("{\"execute\":\"block_resize\",\"arguments\":{\"device\":\"nope\",\"size\":1}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"block_resize\",\"arguments\":{\"size\":1}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"block_resize\",\"arguments\":{\"node-name\":\"raw0\",\"size\":-1}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"block_resize\",\"arguments\":{\"node-name\":\"raw0\"}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"d0\"}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"null0\"}}", Compare.SHAPE),
            new Step("{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"null0\"}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"raw0\"}}", Compare.SHAPE),
            new Step("{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"q1\"}}", Compare.SHAPE),
            new Step("{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"nbd0\"}}", Compare.SHAPE),
            new Step("{\"execute\":\"query-named-block-nodes\"}", Compare.KEYS_SUBSET),
            new Step("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"xp /6x 0xffff0\"}}", Compare.TEXT),
            new Step("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"x /3b 0xfffffff0\"}}", Compare.TEXT),
            new Step("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info pci\"}}", Compare.TEXT),
            new Step("{\"execute\":\"cont\"}", Compare.SHAPE),
            new Step("{\"execute\":\"stop\"}", Compare.SHAPE),
            new Step("{\"execute\":\"system_reset\"}", Compare.SHAPE),
            new Step("{\"execute\":\"system_powerdown\"}", Compare.SHAPE),
            new Step("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"frobnicate\"}}", Compare.TEXT),
            new Step("{\"execute\":\"nope\"}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"stop\",\"arguments\":{\"a\":1}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"human-monitor-command\"}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":5}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"query-status\",\"arguments\":[]}", Compare.ERROR_TEXT),
            new Step("{\"arguments\":{}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":5}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"stop\",\"x\":1}", Compare.ERROR_TEXT),
            new Step("{\"exec-oob\":\"query-status\"}", Compare.ERROR_TEXT),
            new Step("[1]", Compare.ERROR_TEXT),
            new Step("foo", Compare.ERROR_CLASS),
            new Step("{\"execute\":\"system_powerdown\",\"arguments\":{\"x\":1}}", Compare.ERROR_TEXT),
            new Step("{\"execute\":\"query-status\",\"id\":{\"a\":[1,2]}}", Compare.SHAPE));

    /** The sizes the script resizes its images to. */
    private static final long RAW_RESIZED = 2 << 20;
    private static final long QCOW2_RESIZED = 4 << 20;
    private static final long DRIVE_RESIZED = 3 << 20;

    /**
     * The replies and events of one emulator: greeting, then per step the events before the reply
     * and the reply. Its images (made by qemu-img) and an nbdkit memory export are its own; once it
     * has quit, the sizes of the images it resized are checked with qemu-img.
     */
    private static List<JsonNode> run(Emulator emulator) throws Exception {
        Path dir = workspace.buildDir("qmp/shapes-" + emulator.displayName());
        Path disk = dir.resolve("disk.qcow2");
        qemuImg(dir, "create", "-f", "qcow2", disk.toString(), "1M");
        qemuImg(dir, "create", "-f", "qcow2", dir.resolve("extra.qcow2").toString(), "1M");
        qemuImg(dir, "create", "-f", "raw", dir.resolve("extra.raw").toString(), "1M");
        Process nbdkit = Nbdkit.start(dir, dir.resolve("nbd.sock"), List.of("memory", "1M"));
        try {
            List<JsonNode> out = runScript(emulator, dir, disk);
            assertEquals(RAW_RESIZED, Files.size(dir.resolve("extra.raw")), emulator.displayName() + ": extra.raw");
            assertEquals(QCOW2_RESIZED, virtualSize(dir, dir.resolve("extra.qcow2")), emulator.displayName() + ": extra.qcow2");
            assertEquals(DRIVE_RESIZED, virtualSize(dir, disk), emulator.displayName() + ": disk.qcow2 of drive d0");
            return out;
        } finally {
            nbdkit.destroy();
            nbdkit.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static GuestRun qemuImg(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        Files.deleteIfExists(Path.of(args[args.length - 2]));
        GuestRun r = GuestProcess.run(command, Duration.ofSeconds(60), dir, "qemu-img");
        assertEquals(0, r.exitStatus(), r.summary());
        return r;
    }

    private static long virtualSize(Path dir, Path image) throws Exception {
        Path json = dir.resolve("info.json");
        List<String> command = List.of("sh", "-c", "qemu-img info --output=json -U '" + image + "' > '" + json + "'");
        GuestRun r = GuestProcess.run(command, Duration.ofSeconds(60), dir, "qemu-img-info");
        assertEquals(0, r.exitStatus(), r.summary());
        return QmpClient.JSON.readTree(json.toFile()).path("virtual-size").asLong();
    }

    private static List<JsonNode> runScript(Emulator emulator, Path dir, Path disk) throws Exception {
        List<String> options = List.of("-machine", "pc", "-m", "64M", "-display", "none", "-nodefaults", "-S",
                "-name", "shapes", "-object", "iothread,id=io0", "-drive", "file=" + disk + ",format=qcow2,if=ide,id=d0");
        List<JsonNode> out = new ArrayList<>();
        try (QmpVmProcess vm = QmpVmProcess.start(emulator, workspace, dir, 1, options);
             QmpClient qmp = vm.connect(0)) {
            out.add(qmp.greeting());
            for (Step s : SCRIPT) {
                out.add(qmp.request(s.request().replace("@DIR@", dir.toString())));
            }
            out.add(qmp.execute("quit"));
            assertEquals(0, vm.awaitExit(QmpClient.REPLY_TIMEOUT), emulator.displayName() + ": " + vm.stderr());
            qmp.awaitEof(QmpClient.REPLY_TIMEOUT);
            ArrayNode events = QmpClient.JSON.createArrayNode();
            qmp.eventNames().stream().sorted().forEach(events::add);
            out.add(events);
        }
        return out;
    }

    @Test
    void jemuRepliesAsQemuDoes() throws Exception {
        List<JsonNode> qemu = run(Emulator.QEMU);
        List<JsonNode> jemu = run(Emulator.JEMU);
        assertEquals(shape(qemu.get(0)), shape(jemu.get(0)), "greeting: " + jemu.get(0));
        for (int i = 0; i < SCRIPT.size(); i++) {
            Step step = SCRIPT.get(i);
            JsonNode q = qemu.get(i + 1);
            JsonNode j = jemu.get(i + 1);
            String what = step.request() + "\n  qemu: " + q + "\n  jemu: " + j;
            switch (step.compare()) {
                case SHAPE -> assertEquals(shape(q), shape(j), what);
                case KEYS_SUBSET -> {
                    Set<String> missing = paths(j);
                    missing.removeAll(paths(q));
                    assertTrue(missing.isEmpty(), "keys QEMU does not send: " + missing + "\n" + what);
                    assertEquals(q.path("return").size(), j.path("return").size(), what);
                }
                case ERROR_CLASS -> assertEquals(q.path("error").path("class"), j.path("error").path("class"), what);
                case ERROR_TEXT -> assertEquals(q, j, what);
                case TEXT -> assertEquals(q.path("return").asText(), j.path("return").asText(), what);
            }
            assertEquals(q.get("id"), j.get("id"), what);
        }
        assertEquals(shape(qemu.get(SCRIPT.size() + 1)), shape(jemu.get(SCRIPT.size() + 1)), "quit");
        assertEquals(qemu.getLast(), jemu.getLast(), "the events of the script");
    }

    /** Keys and JSON types, values aside; an array's shape is its first element's. */
    static Object shape(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            new TreeSet<String>(iterate(n.fieldNames())).forEach(k -> m.put(k, shape(n.get(k))));
            return m;
        }
        if (n.isArray()) {
            return n.isEmpty() ? List.of() : List.of(shape(n.get(0)));
        }
        return n.getNodeType().toString();
    }

    /** Every key path of {@code n} with its type ("return[].inserted.image.format:STRING"). */
    static Set<String> paths(JsonNode n) {
        Set<String> out = new TreeSet<>();
        collect(n, "", out);
        return out;
    }

    private static void collect(JsonNode n, String at, Set<String> out) {
        if (n.isObject()) {
            for (String k : iterate(n.fieldNames())) {
                collect(n.get(k), at.isEmpty() ? k : at + "." + k, out);
            }
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                collect(e, at + "[]", out);
            }
        } else {
            out.add(at + ":" + n.getNodeType());
        }
    }

    private static List<String> iterate(Iterator<String> it) {
        List<String> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }
}
