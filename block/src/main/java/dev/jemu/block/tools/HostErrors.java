package dev.jemu.block.tools;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The host's reason for a failed file operation in the C library's strerror wording ("No such
 * file or directory", "Is a directory"), as the qemu tools print it, from the NIO exception
 * that carries it. Stateless; any thread.
 */
public final class HostErrors {
    private HostErrors() {
    }

    /** strerror's text for {@code e}; the exception's own message when it carries no errno. */
    public static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "No such file or directory";
            case AccessDeniedException x -> "Permission denied";
            case FileAlreadyExistsException x -> "File exists";
            case NotDirectoryException x -> "Not a directory";
            case DirectoryNotEmptyException x -> "Directory not empty";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }
}
