package dev.jemu.junit;

import dev.jemu.block.tools.ImageCreator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Disk fixtures of one test: {@link #overlay(Path, String)} makes a fresh copy-on-write qcow2
 * image over a base image, so the guest's writes go to the overlay and the base is never
 * touched; every overlay (and {@link #directory()}) is deleted after the test.
 *
 * <p>Threading: the thread that runs the test.
 */
public final class Disks {
    private final Path directory;
    private int count;

    Disks() {
        try {
            directory = Files.createTempDirectory("jemu-disks-");
        } catch (IOException e) {
            throw new UncheckedIOException("jemu disks: cannot create a temporary directory", e);
        }
    }

    /** The test's scratch directory for images, deleted after the test. */
    public Path directory() {
        return directory;
    }

    /**
     * A new qcow2 overlay whose backing file is {@code base} (of {@code baseFormat}: raw or
     * qcow2), the size of the base; opened read-only, the base is left as it is.
     */
    public Path overlay(Path base, String baseFormat) {
        Path overlay = directory.resolve("overlay" + count++ + ".qcow2");
        try {
            ImageCreator.create(overlay.toString(), "qcow2", -1, null, base.toAbsolutePath().toString(), baseFormat, false,
                    null);
        } catch (IOException e) {
            throw new UncheckedIOException("jemu disks: overlay over " + base + ": " + e.getMessage(), e);
        }
        return overlay;
    }

    /** Deletes the directory and everything in it. */
    void delete() throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
