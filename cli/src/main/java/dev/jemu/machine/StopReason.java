package dev.jemu.machine;

/**
 * Why a {@link Machine} stopped running.
 *
 * <p>Threading: an immutable value; any thread.
 */
public enum StopReason {
    /** The guest ended the run: {@code isa-debug-exit}, an ACPI power-off, or a QMP {@code quit}. */
    GUEST_SHUTDOWN,
    /** The guest reset the machine (a triple fault or a reset request) and {@code -no-reboot} was given. */
    GUEST_RESET,
    /** The embedding program called {@link Machine#stop()} or {@link Machine#close()}. */
    HOST_STOP,
    /** jemu failed while running the guest; {@link Machine#failure()} holds the cause. */
    ERROR
}
