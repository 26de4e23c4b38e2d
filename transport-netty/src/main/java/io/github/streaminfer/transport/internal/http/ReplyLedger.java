package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps the promise that every frame a connection submits gets exactly one reply: the frames whose reply is still
 * owed, each of which whoever answers it must first {@linkplain #claim claim}, and the count of replies of each
 * kind, for the connection's statistics.
 *
 * <p>The connection records a frame ({@link #record}) before it submits it, so the session's worker cannot publish
 * its result first. From then on three parties may answer it and exactly one wins the claim: the worker (the
 * frame's result, or, on the result of a later frame, the error of a frame the session dropped unread: a session
 * takes frames in submission order, so once frame {@code n}'s result is published every earlier frame is done), the
 * connection (the frame its submit made the queue drop, as
 * {@link io.github.streaminfer.session.StreamingInferenceSession#replacedFrameId()} names it) and the close (frames
 * still owed when the session has closed or failed). The loser sends nothing.
 *
 * <p>Reply counts: {@code dropped} (one of {@link #superseded}, {@link #queueFull}, {@link #rateLimited}: the frames
 * answered "Frame queue full"), {@link #actions}, {@link #failed} (the model's task refused the frame or inference
 * failed), {@link #refused} (the session could not take it: starting, closed or failed) and the transport's
 * {@code invalid} count of malformed frames. Every frame message received is in exactly one of them once answered.
 *
 * <p><b>Note:</b> {@link #record} and {@link #cancel} are for the connection's one producer thread; claims and counts
 * are safe from any thread. Nothing here allocates or locks.
 */
public final class ReplyLedger {
    /** Most frames owed at once; a connection refuses a frame ({@code queue_full}) rather than owe more. */
    static final int MAX_OWED = 1024;
    /** Slack beyond the queue's capacity: the frame in inference, frames a task consumed without a result. */
    private static final int SLACK = 8;
    /** The seed's message for a frame that was dropped, refused or rate-limited. */
    public static final String QUEUE_FULL_MESSAGE = "Frame queue full";
    public static final String SUPERSEDED = "superseded";
    public static final String QUEUE_FULL = "queue_full";
    public static final String RATE_LIMITED = "rate_limited";

    /** Sequence numbers of owed frames; 0 marks a free entry (sequence numbers start at 1). Set by {@link #open}. */
    private volatile AtomicLongArray owed = new AtomicLongArray(0);
    /** Producer only: where the next search for a free entry starts. */
    private int next;

    /** Frames replaced by a newer one (or consumed without a result) before inference. */
    public final LongAdder superseded = new LongAdder();
    /** Frames the queue refused because it was full. */
    public final LongAdder queueFull = new LongAdder();
    /** Frames above the tier's fps or the session's max_fps. */
    public final LongAdder rateLimited = new LongAdder();
    /** Frames answered with their result. */
    public final LongAdder actions = new LongAdder();
    /** Frames answered with the failure of their inference. */
    public final LongAdder failed = new LongAdder();
    /** Frames the session could not take (starting, closed or failed), or dropped by the session's close. */
    public final LongAdder refused = new LongAdder();

    /**
     * Sizes the ledger for the session, once it is open; until then {@link #record} owes nothing and returns -1.
     * Producer only, before the first {@link #record}.
     *
     * @param queueCapacity frames the session's ingress holds
     */
    public void open(int queueCapacity) {
        owed = new AtomicLongArray((int) Math.min(MAX_OWED, (long) queueCapacity + SLACK));
    }

    /**
     * Records that the reply of frame {@code seq} is owed. Producer only; call before submitting the frame.
     *
     * @param seq the frame's sequence number, at least 1
     * @return the entry to pass to {@link #cancel}, or -1 if too many replies are owed
     */
    public int record(long seq) {
        AtomicLongArray owed = this.owed;
        int n = owed.length();
        for (int k = 0, i = next; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
            if (owed.get(i) == 0) {
                owed.set(i, seq);
                next = i + 1 == n ? 0 : i + 1;
                return i;
            }
        }
        return -1;
    }

    /**
     * Forgets a frame the session did not take: its reply is the caller's. Producer only.
     *
     * @param entry what {@link #record} returned
     * @param seq   the frame's sequence number
     */
    public void cancel(int entry, long seq) {
        this.owed.compareAndSet(entry, seq, 0);
    }

    /**
     * @param seq the frame's sequence number
     * @return true if the caller now owns the frame's reply and must send it; false if another party answered it
     */
    public boolean claim(long seq) {
        AtomicLongArray owed = this.owed;
        for (int i = 0, n = owed.length(); i < n; i++) {
            if (owed.get(i) == seq) {
                return owed.compareAndSet(i, seq, 0);
            }
        }
        return false;
    }

    /**
     * Claims the oldest owed frame numbered below {@code limit}: call until it returns 0.
     *
     * @param limit exclusive bound
     * @return the claimed frame's sequence number, or 0 if no frame below {@code limit} is owed
     */
    public long claimBefore(long limit) {
        AtomicLongArray owed = this.owed;
        for (;;) {
            int oldest = -1;
            long min = limit;
            for (int i = 0, n = owed.length(); i < n; i++) {
                long s = owed.get(i);
                if (s != 0 && s < min) {
                    min = s;
                    oldest = i;
                }
            }
            if (oldest < 0) {
                return 0;
            }
            if (owed.compareAndSet(oldest, min, 0)) {
                return min;
            }
        }
    }

    /** @return frames answered "Frame queue full" */
    public long dropped() {
        return superseded.sum() + queueFull.sum() + rateLimited.sum();
    }

    /**
     * Adds {@code dropped_frames} and {@code drop_rate_percent} to a stats message.
     *
     * @param o        the message
     * @param received frame messages received
     */
    public void putDropped(ObjectNode o, long received) {
        long dropped = dropped();
        o.put("dropped_frames", dropped);
        o.put("drop_rate_percent", received == 0 ? 0.0 : Json.round3(100.0 * dropped / received));
    }

    /**
     * Adds the rest of the reply counts to a stats message: {@code dropped_by_reason}, {@code invalid_frames},
     * {@code failed_frames}, {@code refused_frames}, the count of actions under {@code actionsName}, and
     * {@code pending_frames}, the frames received and not yet answered.
     *
     * @param o           the message
     * @param received    frame messages received
     * @param invalid     frames refused as malformed
     * @param actionsName field name of the count of frames answered with their result
     */
    public void putBreakdown(ObjectNode o, long received, long invalid, String actionsName) {
        long sup = superseded.sum();
        long full = queueFull.sum();
        long limited = rateLimited.sum();
        long act = actions.sum();
        long fail = failed.sum();
        long ref = refused.sum();
        ObjectNode by = o.putObject("dropped_by_reason");
        by.put(SUPERSEDED, sup);
        by.put(QUEUE_FULL, full);
        by.put(RATE_LIMITED, limited);
        o.put("invalid_frames", invalid);
        o.put("failed_frames", fail);
        o.put("refused_frames", ref);
        o.put(actionsName, act);
        o.put("pending_frames", Math.max(0, received - act - sup - full - limited - invalid - fail - ref));
    }
}
