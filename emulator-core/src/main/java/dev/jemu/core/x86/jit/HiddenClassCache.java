package dev.jemu.core.x86.jit;

import java.lang.invoke.MethodHandles;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * Defines translations as hidden classes and keeps them bounded. Each class is defined
 * through the caller's lookup (so it lives in the caller's package), not strongly tied to
 * its loader, so it is unloaded once the translation is no longer referenced; its constants
 * (the objects its code works on) are passed as class data. The cache counts the classes
 * alive and their class-file bytes (the metaspace they occupy is a small multiple of that):
 * the owner {@linkplain #released releases} each translation it drops (its code was
 * rewritten, its page left the owner's cache), and when either bound is reached {@link #full}
 * says so and the owner drops translations, those used longest ago first, or else every
 * translation, and then calls {@link #flushed}. It also keeps the
 * totals reported by benchmarks: translations made, the time spent making them, translations
 * released, flushes.
 *
 * <p>Threading: {@link #define} may be called from any thread (the owner's translation
 * thread defines classes while its vCPU runs); it touches no state of the cache. Everything
 * else (the accounting, from {@link #added} on) is used only by the owner's vCPU thread, which
 * {@linkplain #added adds} each defined instance when it takes it over, so the bounds and the
 * statistics count exactly the instances the vCPU has seen; the statistics may be read from
 * any thread (they are plain counters, read racily).
 */
public final class HiddenClassCache {
    private final MethodHandles.Lookup lookup;
    private final int maxClasses;
    private final long maxBytes;
    /** The class-file size of each live translation, by instance. */
    private final IdentityHashMap<Object, Integer> live = new IdentityHashMap<>();
    private int liveClasses;
    private long liveBytes;
    private long translations;
    private long releases;
    private long translationNanos;
    private long flushes;

    /**
     * Creates a cache that defines classes through {@code lookup} (which needs full privilege
     * access) and holds at most {@code maxClasses} classes of {@code maxBytes} class-file bytes
     * between flushes.
     */
    public HiddenClassCache(MethodHandles.Lookup lookup, int maxClasses, long maxBytes) {
        this.lookup = lookup;
        this.maxClasses = maxClasses;
        this.maxBytes = maxBytes;
    }

    /**
     * Defines and initializes the class {@code bytes} with {@code classData} (read by its
     * code through {@code MethodHandles.classDataAt}) and returns the instance its class
     * initializer made: the last element of {@code classData} is an {@code Object[1]} in
     * which the initializer stores it. The instance counts for nothing until
     * {@linkplain #added added}.
     */
    public Object define(byte[] bytes, List<Object> classData) {
        if (!(classData.getLast() instanceof Object[] holder) || holder.length != 1) {
            throw new IllegalArgumentException("the class data does not end with an Object[1] for the instance");
        }
        try {
            lookup.defineHiddenClassWithClassData(bytes, classData, true);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("defining a translation", e);
        }
        Object instance = holder[0];
        if (instance == null) {
            throw new IllegalStateException("the class initializer of a translation made no instance");
        }
        return instance;
    }

    /**
     * Counts {@code instance}, made by {@link #define} from {@code classBytes} bytes of class
     * file in {@code nanos} nanoseconds of translation work, as a live translation.
     */
    public void added(Object instance, int classBytes, long nanos) {
        live.put(instance, classBytes);
        liveClasses++;
        liveBytes += classBytes;
        translations++;
        translationNanos += nanos;
    }

    /** Whether the bounds are reached: the owner must release translations, or drop them all and call {@link #flushed}. */
    public boolean full() {
        return liveClasses >= maxClasses || liveBytes >= maxBytes;
    }

    /**
     * The owner dropped {@code instance} (counted by {@link #added}), which no longer counts
     * against the bounds; nothing happens if it was released already.
     */
    public void released(Object instance) {
        Integer size = live.remove(instance);
        if (size != null) {
            liveClasses--;
            liveBytes -= size;
            releases++;
        }
    }

    /** The owner dropped every translation: they count no more against the bounds. */
    public void flushed() {
        live.clear();
        liveClasses = 0;
        liveBytes = 0;
        flushes++;
    }

    /** Translations live now: defined and neither released nor flushed. */
    public int liveClasses() {
        return liveClasses;
    }

    /** Translations released (dropped by the owner, a flush's included) since creation. */
    public long releases() {
        return releases;
    }

    /** Translations made since creation. */
    public long translations() {
        return translations;
    }

    /** Nanoseconds spent making them (decoding, generating, defining), on whichever thread. */
    public long translationNanos() {
        return translationNanos;
    }

    /** Times the cache was flushed because it was full. */
    public long flushes() {
        return flushes;
    }

    /** Class-file bytes of the live translations. */
    public long liveBytes() {
        return liveBytes;
    }
}
