package dev.jemu.block.file;

import dev.jemu.aio.AioEngine;
import dev.jemu.block.BlockException;

/**
 * The file driver's {@code aio=} option, spelt as QEMU spells it: {@code io_uring} (requests on
 * the AioContext's ring, {@link UringFile}) or {@code threads} (blocking calls on the context's
 * worker pool). {@code native} (Linux AIO) is not built. Without the option, io_uring where the
 * kernel allows it, else threads. Immutable; any thread.
 */
public enum FileAio {
    THREADS("threads"),
    IO_URING("io_uring");

    private final String optionValue;

    FileAio(String optionValue) {
        this.optionValue = optionValue;
    }

    /** The value as written in {@code aio=}. */
    public String optionValue() {
        return optionValue;
    }

    /** The mode used when {@code aio=} is not given. */
    public static FileAio defaultMode() {
        return AioEngine.IO_URING.isAvailable() ? IO_URING : THREADS;
    }

    /**
     * Parses {@code aio=value}; null means the default.
     *
     * @throws BlockException for an unknown value, for {@code native}, and for {@code io_uring}
     *     where the kernel refuses it, in QEMU's words
     */
    public static FileAio parse(String value) throws BlockException {
        if (value == null) {
            return defaultMode();
        }
        switch (value) {
            case "threads" -> {
                return THREADS;
            }
            case "io_uring" -> {
                if (!AioEngine.IO_URING.isAvailable()) {
                    throw new BlockException("Unable to use io_uring: " + AioEngine.IO_URING.unavailableReason(),
                            AioEngine.IO_URING.unavailabilityCause());
                }
                return IO_URING;
            }
            case "native" -> throw new BlockException("aio=native was specified, but is not supported in this build.");
            default -> throw new BlockException("invalid parameter value: " + value);
        }
    }
}
