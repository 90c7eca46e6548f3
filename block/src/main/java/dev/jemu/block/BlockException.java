package dev.jemu.block;

import java.io.IOException;

/**
 * An error of the block layer with a one-line, user-facing message: a bad option, an image that
 * cannot be opened, a corrupt table, an I/O error. Tools print {@link #getMessage()} as is.
 */
public class BlockException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates an error whose message is shown to the user unchanged. */
    public BlockException(String message) {
        super(message);
    }

    /** Creates an error whose message is shown to the user; {@code cause} is kept for debugging. */
    public BlockException(String message, Throwable cause) {
        super(message, cause);
    }
}
