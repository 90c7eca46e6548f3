/**
 * The launchers (jemu, jemu-img, jemu-nbd: {@code dev.jemu.cli.*}) and jemu as a library
 * ({@code dev.jemu.machine}), the one package exported. The launchers' command classes are
 * opened to picocli, which fills their annotated fields by reflection.
 */
module dev.jemu.cli {
    requires transitive dev.jemu.block;
    requires transitive dev.jemu.core;
    requires dev.jemu.devices;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;
    requires java.management;
    requires jdk.unsupported;

    exports dev.jemu.machine;

    opens dev.jemu.cli.img to info.picocli;
    opens dev.jemu.cli.nbd to info.picocli;
}
