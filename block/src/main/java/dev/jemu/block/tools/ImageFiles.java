package dev.jemu.block.tools;

import dev.jemu.block.BlockDriverState;
import dev.jemu.block.BlockException;
import dev.jemu.block.nbd.NbdAddress;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Checks an image name given on the tools' command line before it is opened, with qemu's
 * messages: an empty name and a directory are refused (a directory would otherwise be opened
 * and fail on its first read). NBD URIs are left to the NBD driver. Also the size qemu's
 * block layer shows for an image. Stateless; any thread.
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /** Throws qemu's error if {@code filename} cannot name an image file. */
    public static void check(String filename) throws BlockException {
        if (filename.isEmpty()) {
            throw new BlockException("Could not open '': The 'file' block driver requires a file name");
        }
        if (NbdAddress.isUri(filename)) {
            return;
        }
        boolean directory;
        try {
            directory = Files.isDirectory(Path.of(filename));
        } catch (InvalidPathException e) {
            throw new BlockException("Could not open '" + filename + "': " + e.getReason());
        }
        if (directory) {
            throw new BlockException("Could not open '" + filename + "': 'file' driver requires '" + filename
                    + "' to be a regular file");
        }
    }

    /**
     * The virtual size of {@code bs} as qemu's block layer reports it: the length of a raw image
     * or of a file opened as its own format ({@code -f file}) rounded up to whole 512-byte sectors
     * (qemu counts lengths in sectors; the tail of the last one reads as zeros), every other
     * format's length as it is.
     */
    public static long virtualSize(BlockDriverState bs) {
        long length = bs.length();
        String format = bs.driver().formatName();
        return format.equals("raw") || format.equals("file") ? (length + 511) & ~511L : length;
    }
}
