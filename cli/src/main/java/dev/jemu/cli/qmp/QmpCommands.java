package dev.jemu.cli.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jemu.aio.IOThread;
import dev.jemu.block.BlockDriverState;
import dev.jemu.devices.pc.PcBoard;
import dev.jemu.devices.pci.PciDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The QMP commands jemu has, each with its parameters (checked as QEMU checks them: unknown,
 * missing and mistyped arguments are {@code GenericError}s naming the parameter) and its
 * handler, answering in QEMU 7.2's reply shapes. {@code query-qmp-schema} is generated from the
 * same table.
 *
 * <p>Threading: the main loop thread; board state is read and changed under the big lock.
 */
final class QmpCommands {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** The events jemu emits, for the schema. */
    private static final List<String> EVENTS = List.of("SHUTDOWN", "RESET", "STOP", "RESUME", "BLOCK_IO_ERROR", "POWERDOWN");
    /** The {@code reason}s of SHUTDOWN and RESET that jemu gives. */
    private static final List<String> SHUTDOWN_CAUSES = List.of("host-qmp-quit", "host-qmp-system-reset",
            "guest-shutdown", "guest-reset");

    /** A parameter: name, QAPI builtin type ({@code str}, {@code int}, {@code bool}), optional or not. */
    private record Param(String name, String type, boolean optional) {
    }

    @FunctionalInterface
    private interface Handler {
        JsonNode run(QmpSession session, ObjectNode args) throws QmpError;
    }

    /** A command; {@code freeForm}: its arguments are checked by its handler (a union, as blockdev-add's). */
    private record Command(List<Param> params, Handler handler, boolean freeForm) {
    }

    private final QmpVm vm;
    /** The human monitor; QEMU's HMP state (x's remembered format) is one for all its front ends. */
    private final Hmp hmp;
    private final QmpIntrospection introspection;
    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final QmpBlock block;

    QmpCommands(QmpVm vm) {
        this.vm = vm;
        this.introspection = new QmpIntrospection(vm);
        this.block = new QmpBlock(vm);
        this.hmp = new Hmp(vm, this);
        add("qmp_capabilities", List.of(), (s, a) -> {
            throw new IllegalStateException("qmp_capabilities is answered by the session");
        });
        add("query-version", List.of(), (s, a) -> version(vm.version()));
        add("query-commands", List.of(), (s, a) -> {
            ArrayNode out = JSON.arrayNode();
            commands.keySet().forEach(name -> out.addObject().put("name", name));
            return out;
        });
        add("query-status", List.of(), (s, a) -> {
            ObjectNode o = JSON.objectNode();
            o.put("status", vm.status());
            o.put("singlestep", false);
            o.put("running", vm.status().equals("running"));
            return o;
        });
        add("query-name", List.of(), (s, a) -> {
            ObjectNode o = JSON.objectNode();
            if (vm.name() != null) {
                o.put("name", vm.name());
            }
            return o;
        });
        add("stop", List.of(), (s, a) -> {
            vm.stop();
            return JSON.objectNode();
        });
        add("cont", List.of(), (s, a) -> {
            vm.cont();
            return JSON.objectNode();
        });
        add("system_reset", List.of(), (s, a) -> {
            vm.systemReset();
            return JSON.objectNode();
        });
        add("system_powerdown", List.of(), (s, a) -> {
            vm.systemPowerdown();
            return JSON.objectNode();
        });
        add("quit", List.of(), (s, a) -> {
            vm.quit();
            return JSON.objectNode();
        });
        add("query-block", List.of(), (s, a) -> block.queryBlock());
        add("query-blockstats", List.of(new Param("query-nodes", "bool", true)), (s, a) -> {
            if (a.path("query-nodes").asBoolean(false)) {
                throw QmpError.generic("query-nodes=true: jemu keeps statistics per drive, not per node");
            }
            return block.queryBlockstats();
        });
        // flat: jemu's node information never nests the backing chain, so both answers are flat
        add("query-named-block-nodes", List.of(new Param("flat", "bool", true)), (s, a) -> block.namedBlockNodes());
        add("block_resize", List.of(new Param("device", "str", true), new Param("node-name", "str", true),
                new Param("size", "int", false)), (s, a) -> {
            block.blockResize(a.has("device") ? a.get("device").asText() : null,
                    a.has("node-name") ? a.get("node-name").asText() : null, a.get("size").asLong());
            return JSON.objectNode();
        });
        commands.put("blockdev-add", new Command(List.of(new Param("driver", "str", false),
                new Param("node-name", "str", true)), (s, a) -> {
            block.blockdevAdd(a);
            return JSON.objectNode();
        }, true));
        add("blockdev-del", List.of(new Param("node-name", "str", false)), (s, a) -> {
            block.blockdevDel(a.get("node-name").asText());
            return JSON.objectNode();
        });
        add("query-iothreads", List.of(), (s, a) -> queryIothreads());
        add("query-cpus-fast", List.of(), (s, a) -> queryCpusFast());
        add("query-pci", List.of(), (s, a) -> queryPci());
        add("human-monitor-command", List.of(new Param("command-line", "str", false),
                new Param("cpu-index", "int", true)), (s, a) -> {
            if (a.has("cpu-index") && a.get("cpu-index").asLong() != 0) {
                throw QmpError.generic("Parameter 'cpu-index' expects a CPU number (jemu has CPU 0)");
            }
            return JSON.textNode(hmp.execute(a.get("command-line").asText()));
        });
        add("x-query-coroutines", List.of(), (s, a) -> introspection.queryCoroutines());
        add("x-query-aio", List.of(), (s, a) -> introspection.queryAio());
        add("query-qmp-schema", List.of(), (s, a) -> schema());
    }

    /** The human monitor {@code human-monitor-command} runs. */
    Hmp hmp() {
        return hmp;
    }

    /** The node-name of {@code bs} (its own or a generated {@code #blockN}). */
    String nodeName(BlockDriverState bs) {
        return block.nodeName(bs);
    }

    QmpIntrospection introspection() {
        return introspection;
    }

    private void add(String name, List<Param> params, Handler handler) {
        commands.put(name, new Command(params, handler, false));
    }

    /** Runs {@code name} with {@code args} for {@code session}. */
    JsonNode execute(QmpSession session, String name, ObjectNode args) throws QmpError {
        Command c = commands.get(name);
        if (c == null) {
            throw new QmpError(QmpError.COMMAND_NOT_FOUND, "The command " + name + " has not been found");
        }
        if (c.freeForm) {
            return c.handler.run(session, args);
        }
        for (Iterator<String> it = args.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (c.params.stream().noneMatch(p -> p.name.equals(k))) {
                throw QmpError.generic("Parameter '" + k + "' is unexpected");
            }
        }
        for (Param p : c.params) {
            JsonNode v = args.get(p.name);
            if (v == null) {
                if (!p.optional) {
                    throw QmpError.generic("Parameter '" + p.name + "' is missing");
                }
                continue;
            }
            boolean ok = switch (p.type) {
                case "str" -> v.isTextual();
                case "int" -> v.isIntegralNumber();
                case "bool" -> v.isBoolean();
                default -> throw new IllegalStateException(p.type);
            };
            if (!ok) {
                String expected = switch (p.type) {
                    case "str" -> "string";
                    case "int" -> "integer";
                    default -> "boolean";
                };
                throw QmpError.generic("Invalid parameter type for '" + p.name + "', expected: " + expected);
            }
        }
        return c.handler.run(session, args);
    }

    /** QEMU's version object for jemu's {@code MAJOR.MINOR.MICRO}, package "jemu". */
    static ObjectNode version(String version) {
        String[] parts = version.split("\\.");
        ObjectNode o = JSON.objectNode();
        ObjectNode q = o.putObject("qemu");
        q.put("micro", Integer.parseInt(parts[2]));
        q.put("minor", Integer.parseInt(parts[1]));
        q.put("major", Integer.parseInt(parts[0]));
        o.put("package", "jemu");
        return o;
    }

    // ------------------------------------------------------------------ threads and CPUs

    private ArrayNode queryIothreads() {
        ArrayNode out = JSON.arrayNode();
        for (IOThread t : vm.iothreads()) {
            ObjectNode o = out.addObject();
            o.put("id", t.name());
            o.put("thread-id", nativeThreadId(t.context().homeThread()));
            // jemu's IOThreads do not busy-poll: 0 is polling off, as QEMU reports it.
            o.put("poll-max-ns", 0);
            o.put("poll-grow", 0);
            o.put("poll-shrink", 0);
            o.put("aio-max-batch", 0);
        }
        return out;
    }

    private ArrayNode queryCpusFast() {
        ArrayNode out = JSON.arrayNode();
        ObjectNode o = out.addObject();
        o.put("cpu-index", 0);
        o.put("qom-path", "/machine/unattached/device[0]");
        o.put("thread-id", nativeThreadId(vm.vcpuThread()));
        ObjectNode props = o.putObject("props");
        props.put("core-id", 0);
        props.put("thread-id", 0);
        props.put("socket-id", 0);
        o.put("target", "x86_64");
        return out;
    }

    /**
     * The kernel's id of {@code t} (what QEMU reports as {@code thread-id}): the task of this
     * process whose name is the thread's (the kernel keeps its first 15 characters); the JVM's
     * id of the thread when no task has that name or the name is not unique.
     */
    static long nativeThreadId(Thread t) {
        if (t == null) {
            return -1;
        }
        String name = t.getName().length() > 15 ? t.getName().substring(0, 15) : t.getName();
        long found = -1;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm")).strip();
                } catch (IOException e) {
                    continue;
                }
                if (comm.equals(name)) {
                    if (found >= 0) {
                        return t.threadId();
                    }
                    found = Long.parseLong(task.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return t.threadId();
        }
        return found >= 0 ? found : t.threadId();
    }

    // ------------------------------------------------------------------ PCI

    private ArrayNode queryPci() {
        PcBoard board = vm.board();
        return board.bql().call(() -> {
            ArrayNode out = JSON.arrayNode();
            ObjectNode bus = out.addObject();
            bus.put("bus", 0);
            ArrayNode devices = bus.putArray("devices");
            for (PciDevice dev : board.pci().functions()) {
                ObjectNode d = devices.addObject();
                d.put("bus", 0);
                d.put("slot", dev.devfn() >> 3);
                d.put("function", dev.devfn() & 7);
                int classCode = (int) dev.configRead(PciDevice.CLASS_PROG + 1, 2);
                ObjectNode ci = d.putObject("class_info");
                ci.put("class", classCode);
                ci.put("desc", className(classCode));
                ObjectNode id = d.putObject("id");
                id.put("device", dev.configRead(PciDevice.DEVICE_ID, 2));
                id.put("vendor", dev.configRead(PciDevice.VENDOR_ID, 2));
                id.put("subsystem", dev.configRead(PciDevice.SUBSYSTEM_ID, 2));
                id.put("subsystem-vendor", dev.configRead(PciDevice.SUBSYSTEM_VENDOR_ID, 2));
                int pin = (int) dev.configRead(PciDevice.INTERRUPT_PIN, 1);
                d.put("irq_pin", pin);
                if (pin != 0) {
                    d.put("irq", dev.configRead(PciDevice.INTERRUPT_LINE, 1));
                }
                d.put("qdev_id", "");
                ArrayNode regions = d.putArray("regions");
                for (int bar = 0; bar < 6; bar++) {
                    long size = dev.barSize(bar);
                    if (size == 0) {
                        continue;
                    }
                    ObjectNode r = regions.addObject();
                    r.put("bar", bar);
                    r.put("size", size);
                    r.put("address", dev.barAddress(bar));
                    r.put("type", dev.barIsIo(bar) ? "io" : "memory");
                }
            }
            return out;
        });
    }

    /** QEMU's names of PCI classes ({@code class << 8 | subclass}) as {@code info pci} prints them. */
    static String className(int classCode) {
        return switch (classCode) {
            case 0x0100 -> "SCSI controller";
            case 0x0101 -> "IDE controller";
            case 0x0106 -> "SATA controller";
            case 0x0180 -> "Storage controller";
            case 0x0200 -> "Ethernet controller";
            case 0x0300 -> "VGA controller";
            case 0x0600 -> "Host bridge";
            case 0x0601 -> "ISA bridge";
            case 0x0604 -> "PCI bridge";
            case 0x0680 -> "Bridge";
            case 0x0780 -> "Communication controller";
            default -> String.format("Class %04x", classCode);
        };
    }

    // ------------------------------------------------------------------ schema

    private static void enumType(ArrayNode out, String name, List<String> values) {
        ObjectNode e = out.addObject();
        e.put("name", name);
        e.put("meta-type", "enum");
        ArrayNode v = e.putArray("values");
        values.forEach(v::add);
    }

    /**
     * {@code query-qmp-schema}: QEMU's SchemaInfo list for jemu's commands and events: each
     * command's argument object type ({@code q_obj_NAME-arg}), the builtin types they use,
     * and {@code any} as every return type.
     */
    private ArrayNode schema() {
        ArrayNode out = JSON.arrayNode();
        ObjectNode empty = out.addObject();
        empty.put("name", "0");
        empty.put("meta-type", "object");
        empty.putArray("members");
        for (Map.Entry<String, Command> e : commands.entrySet()) {
            String argType = "0";
            if (!e.getValue().params.isEmpty()) {
                argType = "q_obj_" + e.getKey() + "-arg";
                ObjectNode t = out.addObject();
                t.put("name", argType);
                t.put("meta-type", "object");
                ArrayNode members = t.putArray("members");
                for (Param p : e.getValue().params) {
                    ObjectNode m = members.addObject();
                    m.put("name", p.name);
                    m.put("type", p.type);
                    if (p.optional) {
                        m.putNull("default");
                    }
                }
            }
            ObjectNode c = out.addObject();
            c.put("name", e.getKey());
            c.put("meta-type", "command");
            c.put("arg-type", argType);
            c.put("ret-type", "any");
        }
        ObjectNode cause = out.addObject();
        cause.put("name", "ShutdownCause");
        cause.put("meta-type", "enum");
        ArrayNode values = cause.putArray("values");
        SHUTDOWN_CAUSES.forEach(values::add);
        ObjectNode causeArg = out.addObject();
        causeArg.put("name", "q_obj_SHUTDOWN-arg");
        causeArg.put("meta-type", "object");
        ArrayNode members = causeArg.putArray("members");
        members.addObject().put("name", "guest").put("type", "bool");
        members.addObject().put("name", "reason").put("type", "ShutdownCause");
        enumType(out, "IoOperationType", List.of("read", "write"));
        enumType(out, "BlockErrorAction", List.of("ignore", "report", "stop"));
        ObjectNode ioError = out.addObject();
        ioError.put("name", "q_obj_BLOCK_IO_ERROR-arg");
        ioError.put("meta-type", "object");
        ArrayNode ioMembers = ioError.putArray("members");
        ioMembers.addObject().put("name", "device").put("type", "str");
        ioMembers.addObject().put("name", "node-name").put("type", "str").putNull("default");
        ioMembers.addObject().put("name", "operation").put("type", "IoOperationType");
        ioMembers.addObject().put("name", "action").put("type", "BlockErrorAction");
        ioMembers.addObject().put("name", "nospace").put("type", "bool").putNull("default");
        ioMembers.addObject().put("name", "reason").put("type", "str");
        for (String ev : EVENTS) {
            ObjectNode o = out.addObject();
            o.put("name", ev);
            o.put("meta-type", "event");
            o.put("arg-type", switch (ev) {
                case "SHUTDOWN", "RESET" -> "q_obj_SHUTDOWN-arg";
                case "BLOCK_IO_ERROR" -> "q_obj_BLOCK_IO_ERROR-arg";
                default -> "0";
            });
        }
        for (String[] builtin : new String[][] {{"str", "string"}, {"int", "int"}, {"bool", "boolean"}, {"any", "value"}}) {
            ObjectNode o = out.addObject();
            o.put("name", builtin[0]);
            o.put("meta-type", "builtin");
            o.put("json-type", builtin[1]);
        }
        return out;
    }
}
