/**
 * The PC's devices and its board. Internal to jemu: a machine is built and run through the
 * launcher module's {@code dev.jemu.machine} API, so every package here is exported only to
 * {@code dev.jemu.cli}, which assembles the board and attaches drives and consoles.
 */
module dev.jemu.devices {
    requires transitive dev.jemu.block;
    requires transitive dev.jemu.core;

    exports dev.jemu.devices.ide to dev.jemu.cli;
    exports dev.jemu.devices.pc to dev.jemu.cli;
    exports dev.jemu.devices.pc.boot to dev.jemu.cli;
    exports dev.jemu.devices.pci to dev.jemu.cli;
    exports dev.jemu.devices.serial to dev.jemu.cli;
    exports dev.jemu.devices.timer to dev.jemu.cli;
    exports dev.jemu.devices.virtio to dev.jemu.cli;
    exports dev.jemu.devices.virtio.blk to dev.jemu.cli;
}
