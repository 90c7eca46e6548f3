package dev.jemu.cli.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jemu.aio.AioContext;
import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.BlockGraph;
import dev.jemu.block.BlockOptions;
import dev.jemu.block.BlockStats;
import dev.jemu.block.CacheMode;
import dev.jemu.block.Preallocation;
import dev.jemu.block.SyncIo;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The block commands: {@code query-block}, {@code query-blockstats}, {@code
 * query-named-block-nodes}, {@code block_resize}, and {@code blockdev-add}/{@code blockdev-del}
 * for nodes that the monitor owns and no device uses (jemu has no hot-plug, so a node added
 * here is never attached). Replies and errors are QEMU 7.2's.
 *
 * <p>Threading: the main loop thread. A node is changed in the AioContext its requests run in:
 * a drive's device's context (an IOThread's for an {@code iothread=} virtio-blk), the main loop's
 * for the others.
 */
final class QmpBlock {
    /** The drivers {@code blockdev-add} takes (QEMU's names). */
    static final List<String> DRIVERS = List.of("file", "raw", "qcow2", "null-co", "nbd");
    /** How long the main loop waits for an IOThread to resize one of its nodes. */
    private static final long RESIZE_WAIT_S = 30;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** A node {@code blockdev-add} opened, with the cache mode its options gave. */
    private record OwnedNode(BlockDriverState bs, String cacheMode) {
    }

    private final QmpVm vm;
    /** Node names of block nodes that have none of their own (QEMU's {@code #blockNNN}). */
    private final Map<BlockDriverState, String> generatedNames = new IdentityHashMap<>();
    /** The nodes {@code blockdev-add} opened, by node-name, in the order they were added. */
    private final Map<String, OwnedNode> owned = new LinkedHashMap<>();

    QmpBlock(QmpVm vm) {
        this.vm = vm;
    }

    /** The node-name of {@code bs}: the drive's own, a {@code blockdev-add}ed one, or a generated {@code #blockN}. */
    String nodeName(BlockDriverState bs) {
        for (QmpVm.Drive d : vm.drives()) {
            if (d.backend().root() == bs && d.nodeName() != null) {
                return d.nodeName();
            }
        }
        for (Map.Entry<String, OwnedNode> e : owned.entrySet()) {
            if (e.getValue().bs() == bs) {
                return e.getKey();
            }
        }
        return generatedNames.computeIfAbsent(bs, b -> "#block" + (generatedNames.size() + 1));
    }

    ArrayNode queryBlock() throws QmpError {
        ArrayNode out = JSON.arrayNode();
        for (QmpVm.Drive d : vm.drives()) {
            ObjectNode o = out.addObject();
            String ioStatus = vm.ioStatus(d);
            if (ioStatus != null) {
                o.put("io-status", ioStatus);
            }
            o.put("device", d.id());
            o.put("locked", false);
            o.put("removable", false);
            o.set("inserted", nodeInfo(d.backend().root(), d.cacheMode()));
            if (d.device() != null) {
                o.put("qdev", d.device().qdev());
            }
            o.put("type", "unknown");
        }
        return out;
    }

    ArrayNode namedBlockNodes() throws QmpError {
        ArrayNode out = JSON.arrayNode();
        for (QmpVm.Drive d : vm.drives()) {
            addChain(out, d.backend().root(), d.cacheMode());
        }
        for (OwnedNode n : owned.values()) {
            addChain(out, n.bs(), n.cacheMode());
        }
        return out;
    }

    private void addChain(ArrayNode out, BlockDriverState top, String cacheMode) throws QmpError {
        for (BlockDriverState bs = top; bs != null; bs = bs.backing()) {
            out.add(nodeInfo(bs, cacheMode));
            if (bs.file() != null) {
                out.add(nodeInfo(bs.file(), cacheMode));
            }
        }
    }

    /** QEMU's BlockDeviceInfo of {@code bs}. */
    private ObjectNode nodeInfo(BlockDriverState bs, String cacheMode) throws QmpError {
        CacheMode cache;
        try {
            cache = CacheMode.parse(cacheMode);
        } catch (BlockException e) {
            throw QmpError.generic(e.getMessage());
        }
        ObjectNode o = JSON.objectNode();
        o.put("file", bs.filename());
        o.put("node-name", nodeName(bs));
        o.put("ro", bs.isReadOnly());
        o.put("drv", bs.driver().formatName());
        int depth = 0;
        for (BlockDriverState b = bs.backing(); b != null; b = b.backing()) {
            depth++;
        }
        o.put("backing_file_depth", depth);
        o.put("encrypted", false);
        o.put("detect_zeroes", "off");
        for (String limit : List.of("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr", "write_threshold")) {
            o.put(limit, 0);
        }
        ObjectNode c = o.putObject("cache");
        c.put("writeback", !cache.writethrough());
        c.put("direct", cache.direct());
        c.put("no-flush", cache.noFlush());
        ObjectNode image = o.putObject("image");
        image.put("filename", bs.filename());
        image.put("format", bs.driver().formatName());
        image.put("virtual-size", bs.length());
        return o;
    }

    ArrayNode queryBlockstats() {
        ArrayNode out = JSON.arrayNode();
        for (QmpVm.Drive d : vm.drives()) {
            ObjectNode o = out.addObject();
            o.put("device", d.id());
            o.put("node-name", nodeName(d.backend().root()));
            BlockStats st = d.backend().stats();
            ObjectNode s = o.putObject("stats");
            s.put("rd_bytes", st.rdBytes());
            s.put("wr_bytes", st.wrBytes());
            s.put("rd_operations", st.rdOperations());
            s.put("wr_operations", st.wrOperations());
            s.put("flush_operations", st.flushOperations());
            s.put("unmap_operations", st.unmapOperations());
            s.put("unmap_bytes", st.unmapBytes());
            s.put("failed_rd_operations", st.failedRdOperations());
            s.put("failed_wr_operations", st.failedWrOperations());
            s.put("failed_flush_operations", st.failedFlushOperations());
            s.put("rd_total_time_ns", st.rdTotalTimeNs());
            s.put("wr_total_time_ns", st.wrTotalTimeNs());
            s.put("flush_total_time_ns", st.flushTotalTimeNs());
        }
        return out;
    }

    // ------------------------------------------------------------------ block_resize

    /** A node found by drive id or node-name, and the context its requests run in. */
    private record Found(BlockDriverState bs, AioContext context) {
    }

    /** QEMU's {@code bdrv_lookup_bs}: the drive named {@code device}, else the node named {@code nodeName}. */
    private Found lookup(String device, String nodeName) throws QmpError {
        for (QmpVm.Drive d : vm.drives()) {
            if (device != null && d.id().equals(device)) {
                return new Found(d.backend().root(), driveContext(d));
            }
        }
        if (nodeName != null) {
            OwnedNode n = owned.get(nodeName);
            if (n != null) {
                return new Found(n.bs(), vm.mainContext());
            }
            for (QmpVm.Drive d : vm.drives()) {
                for (BlockDriverState bs = d.backend().root(); bs != null; bs = bs.backing()) {
                    if (nodeName.equals(nodeName(bs))) {
                        return new Found(bs, driveContext(d));
                    }
                    if (bs.file() != null && nodeName.equals(nodeName(bs.file()))) {
                        return new Found(bs.file(), driveContext(d));
                    }
                }
            }
        }
        throw QmpError.generic("Cannot find device='" + (device == null ? "" : device) + "' nor node-name='"
                + (nodeName == null ? "" : nodeName) + "'");
    }

    private AioContext driveContext(QmpVm.Drive d) {
        return d.device() != null ? d.device().context() : vm.mainContext();
    }

    /** {@code block_resize}: the node's new length, set in the context its requests run in. */
    void blockResize(String device, String nodeName, long size) throws QmpError {
        Found f = lookup(device, nodeName);
        if (size < 0) {
            throw QmpError.generic("Parameter 'size' expects a >0 size");
        }
        if (f.bs().isReadOnly()) {
            throw QmpError.generic("Block node is read-only");
        }
        SyncIo.IoTask truncate = () -> f.bs().coTruncate(size, Preallocation.OFF);
        try {
            if (f.context() == null || f.context().homeThread() == Thread.currentThread()) {
                SyncIo.run(truncate);
                return;
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            f.context().oneShot(() -> {
                try {
                    SyncIo.run(truncate);
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
            done.get(RESIZE_WAIT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw QmpError.generic(e.getCause().getMessage());
        } catch (IOException e) {
            throw QmpError.generic(e.getMessage());
        } catch (TimeoutException e) {
            throw QmpError.generic("block_resize: the IOThread of the node did not finish within " + RESIZE_WAIT_S + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw QmpError.generic("block_resize: interrupted");
        }
    }

    // ------------------------------------------------------------------ blockdev-add / blockdev-del

    /**
     * {@code blockdev-add}: opens the node {@code args} describe (QEMU's BlockdevOptions of the
     * drivers in {@link #DRIVERS}, children as nested objects) for the monitor to own.
     */
    void blockdevAdd(ObjectNode args) throws QmpError {
        JsonNode driver = args.get("driver");
        if (driver == null) {
            throw QmpError.generic("Parameter 'driver' is missing");
        }
        if (!driver.isTextual()) {
            throw QmpError.generic("Invalid parameter type for 'driver', expected: string");
        }
        if (!DRIVERS.contains(driver.asText())) {
            throw QmpError.generic("Parameter 'driver' does not accept value '" + driver.asText() + "'");
        }
        JsonNode name = args.get("node-name");
        if (name == null) {
            throw QmpError.generic("'node-name' must be specified for the root node");
        }
        if (!name.isTextual()) {
            throw QmpError.generic("Invalid parameter type for 'node-name', expected: string");
        }
        String nodeName = name.asText();
        checkNewName(nodeName);
        BlockOptions opts = BlockOptions.empty();
        for (Iterator<Map.Entry<String, JsonNode>> it = args.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("node-name")) {
                flatten(e.getKey(), e.getValue(), opts);
            }
        }
        try {
            boolean direct = opts.copy().getBool("cache.direct", false);
            BlockDriverState bs = BlockGraph.open(opts);
            owned.put(nodeName, new OwnedNode(bs, direct ? "none" : "writeback"));
        } catch (IOException e) {
            throw QmpError.generic(e.getMessage());
        }
    }

    /** QEMU's node-name rules: a letter first, then letters, digits, '-', '.', '_', at most 31; not taken. */
    private void checkNewName(String nodeName) throws QmpError {
        if (!nodeName.matches("[A-Za-z][A-Za-z0-9._-]{0,30}")) {
            throw QmpError.generic("Invalid node-name: '" + nodeName + "'");
        }
        for (QmpVm.Drive d : vm.drives()) {
            if (d.id().equals(nodeName) && d.nodeName() == null) {
                throw QmpError.generic("node-name=" + nodeName + " is conflicting with a device id");
            }
        }
        if (owned.containsKey(nodeName) || vm.drives().stream().anyMatch(d -> nodeName.equals(d.nodeName()))) {
            throw QmpError.generic("Duplicate nodes with node-name='" + nodeName + "'");
        }
    }

    /** Puts {@code value} under {@code key} in QEMU's dotted form ({@code file.filename=...}). */
    private static void flatten(String key, JsonNode value, BlockOptions out) throws QmpError {
        if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(key + "." + e.getKey(), e.getValue(), out);
            }
        } else if (value.isBoolean()) {
            out.put(key, value.asBoolean() ? "on" : "off");
        } else if (value.isIntegralNumber() || value.isTextual()) {
            if (value.isTextual() && key.equals("file")) {
                throw QmpError.generic("file: jemu's blockdev-add takes a child as an object of options, not a "
                        + "reference to the node '" + value.asText() + "'");
            }
            out.put(key, value.asText());
        } else {
            throw QmpError.generic("Invalid parameter type for '" + key + "', expected: "
                    + (value.isNumber() ? "integer" : "string"));
        }
    }

    /** {@code blockdev-del}: closes a node {@code blockdev-add} opened. */
    void blockdevDel(String nodeName) throws QmpError {
        OwnedNode n = owned.get(nodeName);
        if (n == null) {
            for (QmpVm.Drive d : vm.drives()) {
                if (nodeName.equals(d.nodeName()) || nodeName.equals(generatedNames.get(d.backend().root()))) {
                    throw QmpError.generic("Node " + nodeName + " is in use");
                }
            }
            if (generatedNames.containsValue(nodeName)) {
                throw QmpError.generic("Node " + nodeName + " is not owned by the monitor");
            }
            throw QmpError.generic("Failed to find node with node-name='" + nodeName + "'");
        }
        owned.remove(nodeName);
        n.bs().drain();
        generatedNames.keySet().removeIf(bs -> isInChain(n.bs(), bs));
        try {
            n.bs().close();
        } catch (IOException e) {
            throw QmpError.generic(nodeName + ": " + e.getMessage());
        }
    }

    private static boolean isInChain(BlockDriverState top, BlockDriverState bs) {
        for (BlockDriverState b = top; b != null; b = b.backing()) {
            if (b == bs || b.file() == bs) {
                return true;
            }
        }
        return false;
    }
}
