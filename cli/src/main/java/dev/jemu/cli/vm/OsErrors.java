package dev.jemu.cli.vm;

import java.io.FileNotFoundException;
import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The reason of a host error in the words QEMU uses (the C library's {@code strerror} text),
 * without Java class names. Threading: any.
 */
final class OsErrors {
    private OsErrors() {
    }

    /** "No such file or directory", "Permission denied", ... for {@code e}. */
    static String reason(Throwable e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof BindException b) {
            String m = b.getMessage() == null ? "" : b.getMessage();
            return m.contains("in use") ? "Address already in use" : m.contains("assign") ? "Cannot assign requested address" : m;
        }
        if (e instanceof java.nio.channels.UnresolvedAddressException || e instanceof java.net.UnknownHostException) {
            return "Name or service not known";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof FileNotFoundException f && f.getMessage() != null) {
            String m = f.getMessage();
            int open = m.lastIndexOf(" (");
            return open >= 0 && m.endsWith(")") ? m.substring(open + 2, m.length() - 1) : m;
        }
        if (e instanceof IllegalArgumentException) {
            return "Invalid argument";
        }
        String m = e.getMessage();
        return m == null || m.isEmpty() ? e.getClass().getSimpleName() : m;
    }
}
