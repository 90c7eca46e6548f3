package dev.jemu.aio;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.ManualIoEventLoop;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import java.util.Arrays;

/**
 * The block requests of one io_uring context (QEMU's {@code LuringState}). A {@link RingRequest}
 * is queued by its coroutine; the next {@link AioContext#poll} puts every queued request on the
 * ring before it waits, so that one {@code io_uring_enter} submits what a loop iteration
 * produced; completions are recorded while Netty reaps the completion queue and their coroutines
 * are resumed in the fd phase, in completion order. Netty's submission API takes one {@code
 * IoUringIoOps} per entry, which the JIT can scalar-replace: a 300,000-request {@code jemu-img
 * bench} run with a 16 MiB young generation collects twice, start-up included. Home thread only
 * (a coroutine of the context
 * may queue from its own thread under the thread backend, which never runs beside the home
 * thread).
 */
final class Ring implements IoUringIoHandle {
    /** Completions carry a 16-bit tag: at most this many requests are in flight. */
    private static final int MAX_IN_FLIGHT = Short.MAX_VALUE;
    /** Tag of cancellations, whose own completions are ignored; request tags count from 1. */
    private static final short CANCEL_TAG = 0;

    private final AioContext context;
    private final IoRegistration registration;
    private RingRequest[] inFlight = new RingRequest[64];
    private int[] freeTags = new int[64];
    private int freeCount;
    private int nextTag = 1;
    private int inFlightCount;
    private RingRequest queuedHead;
    private RingRequest queuedTail;
    private RingRequest doneHead;
    private RingRequest doneTail;
    private boolean closing;

    Ring(AioContext context) {
        this.context = context;
        try {
            this.registration = context.register(this);
        } catch (Throwable e) {
            throw new IllegalStateException("AioContext: cannot register with io_uring: " + e.getMessage(), e);
        }
    }

    /** Queues {@code request} for the next submission; false if the context is closing. */
    boolean queue(RingRequest request) {
        if (closing) {
            return false;
        }
        request.next = null;
        if (queuedTail == null) {
            queuedHead = request;
        } else {
            queuedTail.next = request;
        }
        queuedTail = request;
        return true;
    }

    /** Puts the queued requests on the submission queue, as far as tags allow. */
    void submitQueued() {
        RingRequest request;
        while ((request = queuedHead) != null) {
            int tag = takeTag();
            if (tag < 0) {
                return;
            }
            queuedHead = request.next;
            if (queuedHead == null) {
                queuedTail = null;
            }
            request.next = null;
            inFlight[tag] = request;
            inFlightCount++;
            request.id = registration.submit(UringOps.sqe(request.opcode, request.fd, request.offset, request.addr,
                    request.len, request.opFlags, (short) tag));
        }
    }

    private int takeTag() {
        if (freeCount > 0) {
            return freeTags[--freeCount];
        }
        if (nextTag > MAX_IN_FLIGHT) {
            return -1;
        }
        if (nextTag == inFlight.length) {
            int grown = Math.min(inFlight.length * 2, MAX_IN_FLIGHT + 1);
            inFlight = Arrays.copyOf(inFlight, grown);
            freeTags = Arrays.copyOf(freeTags, grown);
        }
        return nextTag++;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        IoUringIoEvent cqe = (IoUringIoEvent) event;
        if (cqe.opcode() == UringOps.OP_ASYNC_CANCEL) {
            return;
        }
        int tag = (short) cqe.userData();
        RingRequest request = tag > 0 && tag < inFlight.length ? inFlight[tag] : null;
        if (request == null) {
            return;
        }
        inFlight[tag] = null;
        freeTags[freeCount++] = tag;
        inFlightCount--;
        complete(request, cqe.res());
    }

    private void complete(RingRequest request, int res) {
        request.res = res;
        request.done = true;
        request.next = null;
        if (doneTail == null) {
            doneHead = request;
        } else {
            doneTail.next = request;
        }
        doneTail = request;
    }

    /** Resumes the coroutines whose requests completed; true if there were any. */
    boolean dispatchCompletions() {
        if (doneHead == null) {
            return false;
        }
        RingRequest request = doneHead;
        doneHead = null;
        doneTail = null;
        while (request != null) {
            RingRequest next = request.next;
            request.next = null;
            request.coroutine.wake();
            request = next;
        }
        return true;
    }

    /**
     * On close: completes queued requests with {@code -ECANCELED}, asks the kernel to cancel
     * those in flight, waits until each has completed (cancelled or not) and resumes them all.
     * Requests queued after this complete at once with {@code -ECANCELED}.
     */
    void cancelAll(ManualIoEventLoop loop) {
        closing = true;
        for (RingRequest request = queuedHead; request != null; ) {
            RingRequest next = request.next;
            complete(request, -UringOps.ECANCELED);
            request = next;
        }
        queuedHead = null;
        queuedTail = null;
        for (RingRequest request : inFlight) {
            if (request != null) {
                registration.submit(UringOps.cancel(request.id, CANCEL_TAG));
            }
        }
        while (inFlightCount > 0) {
            loop.run(0);
        }
        dispatchCompletions();
        registration.cancel();
    }

    /** Called by Netty when the loop shuts down; {@link #cancelAll} has emptied the ring by then. */
    @Override
    public void close() {
        closing = true;
    }
}
