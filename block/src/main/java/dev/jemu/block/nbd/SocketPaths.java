package dev.jemu.block.nbd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Unix socket paths about to be bound. Threading: any; stateless.
 */
public final class SocketPaths {
    private SocketPaths() {
    }

    /**
     * Removes what is at {@code path} so that a socket can be bound there, as QEMU's
     * {@code unlink} before {@code bind} does: a stale socket or file goes, a directory stays
     * and is an error ("Failed to unlink socket PATH: Is a directory", qemu-nbd's words).
     */
    public static void unlinkForBind(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new IOException("Failed to unlink socket " + path + ": Is a directory");
        }
        Files.deleteIfExists(path);
    }
}
