/**
 * The emulator core, all of it API that devices and boards are written against: guest memory
 * and its address spaces ({@code dev.jemu.core.memory}), the big emulator lock
 * ({@code dev.jemu.core.sync}), guest time and the machine loop ({@code dev.jemu.core.machine}),
 * the log ({@code dev.jemu.core.log}), the x86-64 CPU ({@code dev.jemu.core.x86}), its
 * disassembler in QEMU's notation ({@code dev.jemu.core.x86.disas}, for the monitor's
 * {@code x /i}) and the choice of its tier with the statistics of translated code
 * ({@code dev.jemu.core.x86.jit}).
 * The CPU's internals stay package-private inside those packages.
 */
module dev.jemu.core {
    requires transitive dev.jemu.coroutine;
    requires java.management;

    exports dev.jemu.core.log;
    exports dev.jemu.core.machine;
    exports dev.jemu.core.memory;
    exports dev.jemu.core.sync;
    exports dev.jemu.core.x86;
    exports dev.jemu.core.x86.disas;
    exports dev.jemu.core.x86.jit;
}
