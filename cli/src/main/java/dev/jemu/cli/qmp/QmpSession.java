package dev.jemu.cli.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;

/**
 * One QMP client's protocol state, independent of its transport: splits the input into JSON
 * values (a value may span lines and several may share one), answers the greeting, the
 * capabilities negotiation and each command as QEMU 7.2 does, and passes on events once the
 * client has negotiated. A value longer than {@link #MAX_MESSAGE} bytes is answered with an
 * error and the session closed.
 *
 * <p>Threading: the main loop thread.
 */
final class QmpSession {
    /** Where a session's replies go. */
    interface Transport {
        /** Queues one line (without its newline) for the client. */
        void send(byte[] line);

        /** Closes the connection after what is queued. */
        void close();
    }

    /** The longest JSON value a client may send. */
    static final int MAX_MESSAGE = 1 << 20;
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** Writes JSON as QEMU does: {@code {"return": {}, "id": [1, 2]}}, one message a line. */
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withObjectEntrySpacing(Separators.Spacing.AFTER)
            .withArrayValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("").withArrayEmptySeparator(""))
            .withObjectIndenter(DefaultPrettyPrinter.NopIndenter.instance)
            .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance));
    private static final Set<String> REQUEST_MEMBERS = Set.of("execute", "arguments", "id", "exec-oob");

    private final QmpVm vm;
    private final QmpCommands commands;
    private final Transport transport;
    private final ByteArrayOutputStream value = new ByteArrayOutputStream();
    private int depth;
    private boolean inString;
    private boolean escape;
    private boolean bare;
    private boolean negotiated;
    private boolean oob;
    private boolean closed;

    QmpSession(QmpVm vm, QmpCommands commands, Transport transport) {
        this.vm = vm;
        this.commands = commands;
        this.transport = transport;
    }

    /** Sends the greeting and starts taking events. */
    void start() {
        vm.addSession(this);
        ObjectNode greeting = JsonNodeFactory.instance.objectNode();
        ObjectNode qmp = greeting.putObject("QMP");
        qmp.set("version", QmpCommands.version(vm.version()));
        qmp.putArray("capabilities").add("oob");
        send(greeting);
    }

    /** The transport is gone: no more events. */
    void end() {
        closed = true;
        vm.removeSession(this);
    }

    boolean isClosed() {
        return closed;
    }

    /** Takes {@code len} bytes of client input. */
    void input(byte[] buf, int off, int len) {
        for (int i = off; i < off + len && !closed; i++) {
            take(buf[i]);
        }
    }

    private void take(byte c) {
        if (depth == 0 && !bare) {
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                return;
            }
            value.write(c);
            if (c == '{' || c == '[') {
                depth = 1;
            } else {
                bare = true;
            }
            return;
        }
        if (bare) {
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                complete();
                return;
            }
            value.write(c);
        } else {
            value.write(c);
            if (inString) {
                if (escape) {
                    escape = false;
                } else if (c == '\\') {
                    escape = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    complete();
                    return;
                }
            }
        }
        if (value.size() > MAX_MESSAGE) {
            value.reset();
            error(null, QmpError.GENERIC, "JSON message too large (jemu takes at most " + MAX_MESSAGE + " bytes)");
            closed = true;
            vm.removeSession(this);
            transport.close();
        }
    }

    private void complete() {
        String text = value.toString(StandardCharsets.UTF_8);
        value.reset();
        depth = 0;
        bare = false;
        inString = false;
        escape = false;
        request(text);
    }

    private void request(String text) {
        JsonNode n;
        try {
            n = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            error(null, QmpError.GENERIC, "JSON parse error, " + e.getOriginalMessage().split("\n")[0]);
            return;
        }
        if (!(n instanceof ObjectNode req)) {
            error(null, QmpError.GENERIC, "QMP input must be a JSON object");
            return;
        }
        JsonNode id = req.get("id");
        try {
            reply(id, dispatch(req));
        } catch (QmpError e) {
            error(id, e.errorClass(), e.getMessage());
        }
    }

    private JsonNode dispatch(ObjectNode req) throws QmpError {
        for (Iterator<String> it = req.fieldNames(); it.hasNext(); ) {
            String member = it.next();
            if (!REQUEST_MEMBERS.contains(member) || (member.equals("exec-oob") && !oob)) {
                throw QmpError.generic("QMP input member '" + member + "' is unexpected");
            }
        }
        JsonNode exec = req.get("execute");
        JsonNode execOob = req.get("exec-oob");
        if (exec != null && execOob != null) {
            throw QmpError.generic("QMP input must not have both 'execute' and 'exec-oob'");
        }
        if (execOob != null) {
            if (!execOob.isTextual()) {
                throw QmpError.generic("QMP input member 'exec-oob' must be a string");
            }
            throw QmpError.generic("The command " + execOob.asText() + " does not support OOB");
        }
        if (exec == null) {
            throw QmpError.generic("QMP input lacks member 'execute'");
        }
        if (!exec.isTextual()) {
            throw QmpError.generic("QMP input member 'execute' must be a string");
        }
        JsonNode args = req.get("arguments");
        if (args != null && !args.isObject()) {
            throw QmpError.generic("QMP input member 'arguments' must be an object");
        }
        ObjectNode arguments = args == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) args;
        String command = exec.asText();
        if (command.equals("qmp_capabilities")) {
            if (negotiated) {
                throw new QmpError(QmpError.COMMAND_NOT_FOUND, "Capabilities negotiation is already complete, command ignored");
            }
            boolean enableOob = capabilities(arguments);
            negotiated = true;
            oob = enableOob;
            return JsonNodeFactory.instance.objectNode();
        }
        if (!negotiated) {
            throw new QmpError(QmpError.COMMAND_NOT_FOUND, "Expecting capabilities negotiation with 'qmp_capabilities'");
        }
        return commands.execute(this, command, arguments);
    }

    /** Checks {@code qmp_capabilities}' arguments; returns whether {@code oob} is asked for. */
    private static boolean capabilities(ObjectNode args) throws QmpError {
        boolean enableOob = false;
        for (Iterator<String> it = args.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("enable")) {
                throw QmpError.generic("Parameter '" + k + "' is unexpected");
            }
        }
        JsonNode enable = args.get("enable");
        if (enable != null) {
            if (!enable.isArray()) {
                throw QmpError.generic("Invalid parameter type for 'enable', expected: array");
            }
            for (JsonNode cap : enable) {
                if (!cap.isTextual()) {
                    throw QmpError.generic("Invalid parameter type for 'enable[0]', expected: string");
                }
                if (!cap.asText().equals("oob")) {
                    throw QmpError.generic("Parameter 'enable' does not accept value '" + cap.asText() + "'");
                }
                enableOob = true;
            }
        }
        return enableOob;
    }

    private void reply(JsonNode id, JsonNode result) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.set("return", result);
        if (id != null) {
            r.set("id", id);
        }
        send(r);
    }

    private void error(JsonNode id, String errorClass, String desc) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        ObjectNode e = r.putObject("error");
        e.put("class", errorClass);
        e.put("desc", desc);
        if (id != null) {
            r.set("id", id);
        }
        send(r);
    }

    /** Passes an event on, once negotiated. */
    void event(ObjectNode event) {
        if (negotiated && !closed) {
            send(event);
        }
    }

    private void send(JsonNode message) {
        if (closed) {
            return;
        }
        try {
            transport.send(WRITER.writeValueAsBytes(message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("QMP reply cannot be written as JSON", e);
        }
    }
}
