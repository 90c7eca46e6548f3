/**
 * jemu's coroutines ({@code dev.jemu.coroutine}) and event loop ({@code dev.jemu.aio}), on
 * Netty's io_uring and epoll transports (Linux x86-64). Both packages are API: the block
 * layer, the devices and the launchers build on them. The continuation backend needs {@code java.base}'s
 * {@code jdk.internal.vm} exported to this module ({@code --add-exports
 * java.base/jdk.internal.vm=dev.jemu.coroutine}, or {@code =ALL-UNNAMED} on the class path).
 */
module dev.jemu.coroutine {
    requires transitive io.netty.transport;
    requires io.netty.common;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.transport.unix.common;
    // The jars of the native libraries (linux-x86_64), so that they are resolved on a module path.
    requires io.netty.transport.epoll.linux.x86_64;
    requires io.netty.transport.io_uring.linux.x86_64;

    exports dev.jemu.aio;
    exports dev.jemu.coroutine;
}
