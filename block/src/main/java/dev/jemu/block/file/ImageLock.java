package dev.jemu.block.file;

import dev.jemu.block.BlockException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Image locking compatible with QEMU's {@code file} driver, so that jemu and QEMU processes see
 * each other's use of an image. It holds a shared open-file-description lock ({@code
 * F_OFD_SETLK}) on byte {@code 100 + bit} for each permission taken and on byte {@code 200 +
 * bit} for each permission not shared with others; the bits are those of {@link
 * FileDriver#PERM_CONSISTENT_READ} and its siblings (QEMU 7.2 has these four: it locks and
 * unlocks bytes 100-103 and 200-203, as strace shows). Taking a permission that another process
 * does not share, or not sharing one that another process holds, is refused with QEMU's
 * messages.
 *
 * <p>All the nodes of one process that open the same file (by device and inode) share one lock
 * descriptor that carries the union of their permissions, as the nodes of one QEMU graph share
 * its permission system: they are not checked against each other (so that {@code commit} can
 * write a base image that an overlay also reads), only against other processes.
 *
 * <p>Obtained through {@link FileDriver}; only {@link #close()} is public.
 *
 * <p>Thread-safe: the shared state is guarded by one process-wide lock, held only for the
 * non-blocking {@code fcntl} calls.
 */
public final class ImageLock implements AutoCloseable {
    private static final int PERM_BASE = 100;
    private static final int SHARED_BASE = 200;
    private static final String[] NAMES = {"consistent read", "write", "write unchanged", "resize"};
    /** The lock descriptors of this process, by file key (device and inode). */
    private static final Map<Object, Shared> OPEN = new HashMap<>();

    /** The descriptor of one file and the bytes it has locked. */
    private static final class Shared {
        final Object key;
        final NativeFile fd;
        final List<ImageLock> holders = new ArrayList<>();
        int perm;
        int unshared;

        Shared(Object key, NativeFile fd) {
            this.key = key;
            this.fd = fd;
        }
    }

    private final Shared shared;
    private final String path;
    private int perm;
    private int unshared;

    private ImageLock(Shared shared, String path) {
        this.shared = shared;
        this.path = path;
    }

    /** Joins (or opens) the lock descriptor of {@code path}; takes no permission yet. */
    static ImageLock open(String path) throws IOException {
        Object key = Files.readAttributes(Path.of(path), BasicFileAttributes.class).fileKey();
        synchronized (OPEN) {
            Shared s = key == null ? null : OPEN.get(key);
            if (s == null) {
                s = new Shared(key, NativeFile.open(path, false));
                if (key != null) {
                    OPEN.put(key, s);
                }
            }
            ImageLock lock = new ImageLock(s, path);
            s.holders.add(lock);
            return lock;
        }
    }

    /** The permissions this holder has taken. */
    int perm() {
        return perm;
    }

    /** The permissions this holder does not share. */
    int unshared() {
        return unshared;
    }

    /**
     * Takes permissions {@code newPerm} and refuses to share {@code newUnshared} (both masks of
     * {@code FileDriver.PERM_*}), releasing what no holder needs any more. On a conflict with
     * another process nothing changes and the exception carries QEMU's two lines ({@code Failed
     * to get "write" lock} / {@code Is another process using the image [PATH]?}).
     */
    void set(int newPerm, int newUnshared) throws BlockException {
        synchronized (OPEN) {
            int otherPerm = 0;
            int otherUnshared = 0;
            for (ImageLock h : shared.holders) {
                if (h != this) {
                    otherPerm |= h.perm;
                    otherUnshared |= h.unshared;
                }
            }
            apply(otherPerm | newPerm, otherUnshared | newUnshared);
            perm = newPerm;
            unshared = newUnshared;
        }
    }

    /** Makes the shared descriptor lock exactly {@code allPerm} and {@code allUnshared}. */
    private void apply(int allPerm, int allUnshared) throws BlockException {
        int addedPerm = allPerm & ~shared.perm;
        int addedUnshared = allUnshared & ~shared.unshared;
        try {
            lockBytes(PERM_BASE, addedPerm);
            try {
                lockBytes(SHARED_BASE, addedUnshared);
            } catch (BlockException e) {
                unlockBytes(PERM_BASE, addedPerm);
                throw e;
            }
            check(allPerm, allUnshared);
        } catch (BlockException e) {
            unlockBytes(PERM_BASE, addedPerm);
            unlockBytes(SHARED_BASE, addedUnshared);
            throw e;
        }
        unlockBytes(PERM_BASE, shared.perm & ~allPerm);
        unlockBytes(SHARED_BASE, shared.unshared & ~allUnshared);
        shared.perm = allPerm;
        shared.unshared = allUnshared;
    }

    /** Locks byte {@code base + bit} for each bit of {@code mask}; on failure undoes this call's locks. */
    private void lockBytes(int base, int mask) throws BlockException {
        for (int bit = 0; bit < NAMES.length; bit++) {
            if ((mask & (1 << bit)) == 0) {
                continue;
            }
            int r = shared.fd.ofdSetLock(NativeFile.F_RDLCK, base + bit);
            if (r < 0) {
                unlockBytes(base, mask & ((1 << bit) - 1));
                throw new BlockException("Failed to lock byte " + (base + bit) + ": " + NativeFile.strerror(-r)
                        + hint());
            }
        }
    }

    private void unlockBytes(int base, int mask) {
        for (int bit = 0; bit < NAMES.length; bit++) {
            if ((mask & (1 << bit)) != 0) {
                shared.fd.ofdSetLock(NativeFile.F_UNLCK, base + bit);
            }
        }
    }

    /** QEMU's order: first each permission taken against others' unshared bytes, then the reverse. */
    private void check(int newPerm, int newUnshared) throws BlockException {
        for (int bit = 0; bit < NAMES.length; bit++) {
            if ((newPerm & (1 << bit)) != 0 && lockedByOthers(SHARED_BASE + bit)) {
                throw new BlockException("Failed to get \"" + NAMES[bit] + "\" lock" + hint());
            }
        }
        for (int bit = 0; bit < NAMES.length; bit++) {
            if ((newUnshared & (1 << bit)) != 0 && lockedByOthers(PERM_BASE + bit)) {
                throw new BlockException("Failed to get shared \"" + NAMES[bit] + "\" lock" + hint());
            }
        }
    }

    private boolean lockedByOthers(int offset) throws BlockException {
        int r = shared.fd.ofdTestLock(NativeFile.F_WRLCK, offset);
        if (r < 0) {
            throw new BlockException("Failed to check byte " + offset + ": " + NativeFile.strerror(-r) + hint());
        }
        return r != NativeFile.F_UNLCK;
    }

    private String hint() {
        return "\nIs another process using the image [" + path + "]?";
    }

    /** Gives up this holder's permissions; the last holder of a file closes its descriptor. */
    @Override
    public void close() {
        synchronized (OPEN) {
            if (!shared.holders.remove(this)) {
                return;
            }
            if (shared.holders.isEmpty()) {
                if (shared.key != null) {
                    OPEN.remove(shared.key);
                }
                shared.fd.close();
                return;
            }
            int allPerm = 0;
            int allUnshared = 0;
            for (ImageLock h : shared.holders) {
                allPerm |= h.perm;
                allUnshared |= h.unshared;
            }
            unlockBytes(PERM_BASE, shared.perm & ~allPerm);
            unlockBytes(SHARED_BASE, shared.unshared & ~allUnshared);
            shared.perm = allPerm;
            shared.unshared = allUnshared;
        }
    }
}
