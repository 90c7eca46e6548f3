package dev.jemu.core.x86.jit;

/**
 * A bounded first-in first-out exchange between one producer thread and one consumer thread,
 * without locks and without allocation per element: a ring of slots with a tail the
 * producer advances and a head the consumer advances, each published by a volatile write, so
 * that an element's contents written before {@link #offer} are seen by the thread that
 * {@link #poll}s it.
 *
 * <p>Threading: {@link #offer} from one producer thread only, {@link #poll} from one consumer
 * thread only (each side may change thread only with a happens-before edge between the old
 * and the new one, e.g. a thread start); {@link #size} and {@link #isEmpty} from either.
 *
 * @param <T> the element type
 */
public final class SpscRing<T> {
    private final Object[] slots;
    private final int mask;
    /** The number of elements taken: written by the consumer. */
    private volatile long head;
    /** The number of elements put: written by the producer. */
    private volatile long tail;

    /** Creates an empty ring of {@code capacity} slots, a power of two. */
    public SpscRing(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity " + capacity + " is not a power of two");
        }
        slots = new Object[capacity];
        mask = capacity - 1;
    }

    /** Appends {@code e} (not null); false, leaving the ring as it was, if it is full. */
    public boolean offer(T e) {
        long t = tail;
        if (t - head == slots.length) {
            return false;
        }
        slots[(int) t & mask] = e;
        tail = t + 1;
        return true;
    }

    /** Removes and returns the oldest element, or null if the ring is empty. */
    @SuppressWarnings("unchecked")
    public T poll() {
        long h = head;
        if (h == tail) {
            return null;
        }
        int i = (int) h & mask;
        T e = (T) slots[i];
        slots[i] = null;
        head = h + 1;
        return e;
    }

    /** The elements put and not yet taken (a snapshot when read by the other side). */
    public int size() {
        return (int) (tail - head);
    }

    /** Whether no element is waiting. */
    public boolean isEmpty() {
        return head == tail;
    }
}
