package dev.jemu.block.nbd;

import dev.jemu.block.BlockException;

/**
 * A request failed because its connection to the server is gone (EOF, reset, protocol error):
 * the request may be sent again on a new connection, which the driver does within
 * {@code reconnect-delay}.
 */
public final class NbdConnectionLostException extends BlockException {
    private static final long serialVersionUID = 1L;

    /** The connection is lost for the reason in {@code message}. */
    public NbdConnectionLostException(String message) {
        super(message);
    }
}
