/**
 * The block layer: nodes, graphs and back-ends ({@code dev.jemu.block}), the NBD client and
 * server ({@code dev.jemu.block.nbd}) and the image tools qemu-img's commands are made of
 * ({@code dev.jemu.block.tools}) are API. The format and protocol drivers (file, qcow2, raw)
 * are internal: the graph opens them by name; only the launchers reach into them, for what
 * qemu-img does with a driver directly (qcow2 check, amend and snapshots, a file's allocation).
 */
module dev.jemu.block {
    requires transitive dev.jemu.coroutine;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.transport.unix.common;
    requires jdk.unsupported;

    exports dev.jemu.block;
    exports dev.jemu.block.nbd;
    exports dev.jemu.block.tools;
    exports dev.jemu.block.file to dev.jemu.cli;
    exports dev.jemu.block.qcow2 to dev.jemu.cli;
    exports dev.jemu.block.raw to dev.jemu.cli;
}
