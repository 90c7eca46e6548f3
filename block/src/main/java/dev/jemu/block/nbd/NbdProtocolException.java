package dev.jemu.block.nbd;

import dev.jemu.block.BlockException;

/**
 * The peer broke the NBD protocol (bad magic, impossible length, reply to a request never
 * sent...): the connection cannot be kept in sync and is closed. The message is one line that
 * names what was wrong.
 */
public final class NbdProtocolException extends BlockException {
    private static final long serialVersionUID = 1L;

    /** A protocol violation described by {@code message}. */
    public NbdProtocolException(String message) {
        super(message);
    }
}
