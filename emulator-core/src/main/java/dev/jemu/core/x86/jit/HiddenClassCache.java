package dev.jemu.core.x86.jit;

import java.lang.invoke.MethodHandles;
import java.util.List;

/**
 * Defines translations as hidden classes and keeps them bounded. Each class is defined
 * through the caller's lookup (so it lives in the caller's package), not strongly tied to
 * its loader, so it is unloaded once the translation is no longer referenced; its constants
 * (the objects its code works on) are passed as class data. The cache counts the classes
 * alive since the last {@link #flushed flush} and their class-file bytes (the metaspace they
 * occupy is a small multiple of that); when either bound is reached {@link #full} says so and
 * the owner drops every translation and calls {@link #flushed}. It also keeps the totals
 * reported by benchmarks: translations made, the time spent making them, flushes.
 *
 * <p>Threading: used only by one vCPU thread; the statistics may be read from any thread
 * (they are plain counters, read racily).
 */
public final class HiddenClassCache {
    private final MethodHandles.Lookup lookup;
    private final int maxClasses;
    private final long maxBytes;
    private int liveClasses;
    private long liveBytes;
    private long translations;
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
     * Defines the class {@code bytes} with {@code classData} (read by its code through
     * {@code MethodHandles.classDataAt}) and returns a new instance made by its no-argument
     * constructor. {@code startNanos} is when the caller began translating, for the
     * statistics.
     */
    public Object define(byte[] bytes, List<Object> classData, long startNanos) {
        try {
            MethodHandles.Lookup hidden = lookup.defineHiddenClassWithClassData(bytes, classData, true);
            Object instance = hidden.findConstructor(hidden.lookupClass(), java.lang.invoke.MethodType.methodType(void.class))
                    .invoke();
            liveClasses++;
            liveBytes += bytes.length;
            translations++;
            translationNanos += System.nanoTime() - startNanos;
            return instance;
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("defining a translation", t);
        }
    }

    /** Whether the bounds are reached: the owner must drop its translations and call {@link #flushed}. */
    public boolean full() {
        return liveClasses >= maxClasses || liveBytes >= maxBytes;
    }

    /** The owner dropped every translation: they count no more against the bounds. */
    public void flushed() {
        liveClasses = 0;
        liveBytes = 0;
        flushes++;
    }

    /** Translations made since creation. */
    public long translations() {
        return translations;
    }

    /** Nanoseconds spent making them (decoding, generating, defining). */
    public long translationNanos() {
        return translationNanos;
    }

    /** Times the cache was flushed because it was full. */
    public long flushes() {
        return flushes;
    }

    /** Class-file bytes of the translations defined since the last flush. */
    public long liveBytes() {
        return liveBytes;
    }
}
