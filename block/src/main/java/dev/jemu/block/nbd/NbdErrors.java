package dev.jemu.block.nbd;

import java.io.FileNotFoundException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Socket errors in the words qemu-nbd and qemu-img print: the C library's {@code strerror} text
 * without the system call and errno that Netty's native exceptions put before it
 * ({@code "finishConnect(..) failed with error(-111): Connection refused"} is {@code "Connection
 * refused"}). Stateless; any thread.
 */
final class NbdErrors {
    /** Netty's prefix: the call, and the errno when it gives one. */
    private static final Pattern NATIVE_PREFIX = Pattern.compile("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ");

    private NbdErrors() {
    }

    /** strerror's text for a failed socket call. */
    static String reason(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isEmpty()) {
            // Netty reports ENOENT from connect() as a FileNotFoundException without a message.
            return e instanceof FileNotFoundException ? "No such file or directory" : e.getClass().getSimpleName();
        }
        return NATIVE_PREFIX.matcher(m).replaceFirst("");
    }

    /** qemu-nbd's line for a listening socket that could not be bound. */
    static String bindFailure(Path socket, Throwable e) {
        if (socket != null) {
            return "Failed to bind socket to " + socket + ": " + reason(e);
        }
        String reason = reason(e);
        if (reason.equals("Address already in use")) {
            return "Failed to find an available port: " + reason;
        }
        return "Failed to bind socket: " + reason;
    }

    /** qemu's line for a connection that could not be made to {@code where}. */
    static String connectFailure(String where, Throwable e) {
        return "Failed to connect to '" + where + "': " + reason(e);
    }
}
