/**
 * JUnit 5 support for boot tests ({@code dev.jemu.junit}): {@code @BootTest} methods get a
 * booted {@link dev.jemu.machine.Machine} and its consoles.
 */
module dev.jemu.junit {
    requires transitive dev.jemu.cli;
    requires transitive org.junit.jupiter.api;

    exports dev.jemu.junit;
}
