package dev.jemu.cli.img;

/**
 * A command line jemu-img cannot make sense of: reported as {@code jemu-img: MESSAGE} followed
 * by qemu-img's hint line, exit status 1. Thrown and caught on the main thread.
 */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
