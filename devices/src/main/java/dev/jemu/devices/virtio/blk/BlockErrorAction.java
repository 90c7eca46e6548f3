package dev.jemu.devices.virtio.blk;

import java.io.IOException;

/**
 * What a disk device does when the host fails one of its requests, as QEMU's {@code werror=}
 * and {@code rerror=} drive options say: report the error to the guest, ignore it (the guest
 * sees success), stop the VM (the request is retried when it resumes), or stop only when the
 * host ran out of space and report otherwise ({@code enospc}, for writes).
 *
 * <p>Immutable.
 */
public enum BlockErrorAction {
    REPORT("report"),
    IGNORE("ignore"),
    STOP("stop"),
    ENOSPC("enospc");

    private final String optionName;

    BlockErrorAction(String optionName) {
        this.optionName = optionName;
    }

    /**
     * Parses a {@code werror=} value ({@code write} true) or an {@code rerror=} value, which
     * does not accept {@code enospc}.
     *
     * @throws IllegalArgumentException in QEMU's words, e.g. {@code 'x' invalid read error action}
     */
    public static BlockErrorAction parse(String value, boolean write) {
        for (BlockErrorAction a : values()) {
            if (a.optionName.equals(value) && (write || a != ENOSPC)) {
                return a;
            }
        }
        throw new IllegalArgumentException("'" + value + "' invalid " + (write ? "write" : "read") + " error action");
    }

    /** The action for {@code error}: REPORT, IGNORE or STOP. */
    public BlockErrorAction resolve(IOException error) {
        if (this != ENOSPC) {
            return this;
        }
        String message = error.getMessage();
        return message != null && message.contains("No space left on device") ? STOP : REPORT;
    }
}
