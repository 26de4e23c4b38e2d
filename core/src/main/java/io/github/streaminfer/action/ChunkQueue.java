package io.github.streaminfer.action;

import java.util.Arrays;

/**
 * The step grid of an {@link ActionController}: every chunk's actions are filed under the step they are meant for
 * (step {@code n} starts {@code n * stepPeriod} after the first chunk's capture time), overlapping chunks are merged
 * per {@link AggregationConfig}, steps already executed are never overwritten, and each tick samples the step it
 * falls in, interpolated towards the next one when enabled. When the grid runs dry the last queued step is held.
 *
 * <p>The grid is a ring of slots indexed by {@code step & slotMask}; a slot knows the step it holds, so a stale slot
 * is recognised without clearing it. Per slot it keeps the weighted sum of the merged values and the sum of the
 * weights (the value is their quotient), how many chunks were merged, and the newest chunk's capture time and frame.
 *
 * <p><b>Note:</b> consumer thread only (the thread calling {@code ActionController.next}); allocation-free.
 */
final class ChunkQueue {
    /** No step: the grid has not seen one yet, or a slot is empty. */
    static final long NONE = Long.MIN_VALUE;

    private final int dim;
    private final long stepNanos;
    private final boolean interpolate;
    private final AggregationConfig.Mode mode;
    private final double ensembleK;
    private final double[] ensembleWeightByRank;
    private final double oldWeight;
    private final double newWeight;

    private final int slotMask;
    private final long[] stepOfSlot;
    private final double[] weightedSums;
    private final double[] weightTotals;
    private final int[] mergedChunks;
    private final long[] newestCapture;
    private final long[] newestFrame;

    private boolean started;
    private long stepZeroNanos;
    private long lastExecutedStep = NONE;
    private long lastQueuedStep = NONE;
    private long currentStep = NONE;
    private int lastChunkHorizon;

    private boolean starved;
    private long sampledStep = -1;
    private long sourceFrame = -1;
    private long sourceCapture;
    private boolean hasSource;

    ChunkQueue(ActionConfig c) {
        this.dim = c.dim();
        this.stepNanos = c.stepPeriod().toNanos();
        this.interpolate = c.interpolate();
        this.mode = c.aggregation().mode();
        this.ensembleK = c.aggregation().ensembleK();
        int maxHorizon = c.maxHorizon();
        this.ensembleWeightByRank = new double[maxHorizon + 1];
        for (int i = 0; i < ensembleWeightByRank.length; i++) {
            ensembleWeightByRank[i] = Math.exp(-ensembleK * i);
        }
        this.oldWeight = c.aggregation().oldWeight();
        this.newWeight = c.aggregation().newWeight();
        int slots = Integer.highestOneBit(2 * maxHorizon + 3) << 1;
        this.slotMask = slots - 1;
        this.stepOfSlot = new long[slots];
        Arrays.fill(stepOfSlot, NONE);
        this.weightedSums = new double[slots * dim];
        this.weightTotals = new double[slots];
        this.mergedChunks = new int[slots];
        this.newestCapture = new long[slots];
        this.newestFrame = new long[slots];
    }

    /** {@return true once a chunk has fixed where step 0 lies} */
    boolean started() {
        return started;
    }

    /** Drops every queued step (after an emergency-stop reset); the step grid itself stays where it is. */
    void clear() {
        Arrays.fill(stepOfSlot, NONE);
        lastQueuedStep = NONE;
        lastChunkHorizon = 0;
    }

    /**
     * Writes the value of the step {@code nowNanos} falls in into {@code out}, interpolated towards the next step
     * when enabled, or holds the last queued step when the grid ran dry. Call only once {@link #started()}.
     *
     * @param nowNanos the tick's time
     * @param out      receives {@code dim} values when this returns true
     * @return true when a value was written; {@link #starved()}, {@link #sampledStep()}, {@link #sourceFrame()} and
     *         {@link #sourceCapture()} then describe it
     */
    boolean sample(long nowNanos, double[] out) {
        long sinceStepZero = nowNanos - stepZeroNanos;
        long n = Math.floorDiv(sinceStepZero, stepNanos);
        currentStep = n;
        int source = -1;
        boolean sampled = false;
        starved = false;
        sampledStep = -1;
        if (holds(n)) {
            int i = slot(n);
            source = i;
            double f = interpolate ? (sinceStepZero - n * stepNanos) / (double) stepNanos : 0;
            if (f > 0 && holds(n + 1)) {
                int j = slot(n + 1);
                double wi = weightTotals[i];
                double wj = weightTotals[j];
                for (int d = 0; d < dim; d++) {
                    double a = weightedSums[i * dim + d] / wi;
                    double b = weightedSums[j * dim + d] / wj;
                    out[d] = a + f * (b - a);
                }
                if (newestCapture[j] > newestCapture[i]) {
                    source = j;
                }
            } else {
                read(i, out);
            }
            if (n > lastExecutedStep) {
                lastExecutedStep = n;
            }
            sampledStep = n;
            sampled = true;
        } else if (lastQueuedStep != NONE && lastQueuedStep < n && holds(lastQueuedStep)) {
            int i = slot(lastQueuedStep);
            source = i;
            read(i, out);
            starved = true;
            if (lastQueuedStep > lastExecutedStep) {
                lastExecutedStep = lastQueuedStep;
            }
            sampledStep = lastQueuedStep;
            sampled = true;
        } else {
            starved = true;
        }
        hasSource = source >= 0;
        sourceFrame = hasSource ? newestFrame[source] : -1;
        sourceCapture = hasSource ? newestCapture[source] : 0;
        return sampled;
    }

    /** {@return true when the last sample found nothing queued for its step (held the last step, or nothing)} */
    boolean starved() {
        return starved;
    }

    /** {@return the step the last sample executed, -1 if none} */
    long sampledStep() {
        return sampledStep;
    }

    /** {@return true when the last sample read a slot} */
    boolean hasSource() {
        return hasSource;
    }

    /** {@return the frame id of the newest chunk behind the last sample, -1 if none} */
    long sourceFrame() {
        return sourceFrame;
    }

    /** {@return the capture time of the newest chunk behind the last sample, 0 if none} */
    long sourceCapture() {
        return sourceCapture;
    }

    /**
     * Whether fewer than {@code threshold * horizon} steps are queued ahead of the last sampled tick.
     *
     * @param threshold the refill threshold, a fraction of the last chunk's horizon
     * @return true when the producer should send the next observation
     */
    boolean belowRefill(double threshold) {
        long ahead = lastQueuedStep == NONE || lastQueuedStep < currentStep ? 0 : lastQueuedStep - currentStep;
        return ahead < threshold * lastChunkHorizon;
    }

    /**
     * Files a chunk's actions under their steps and merges them with what those steps already hold.
     *
     * @param c the chunk, as drained from the handoff
     */
    void merge(ChunkSlot c) {
        long capture = c.captureNanos();
        if (!started) {
            stepZeroNanos = capture;
            started = true;
        }
        long base = Math.floorDiv(capture - stepZeroNanos + stepNanos / 2, stepNanos);
        long floor = base;
        if (lastExecutedStep != NONE) {
            floor = Math.max(floor, lastExecutedStep + 1);
        }
        if (currentStep != NONE) {
            floor = Math.max(floor, currentStep);
        }
        // the oldest step still needed: the one executing (or held) now; slots below it may be reused
        long anchor = Math.max(lastExecutedStep, currentStep);
        if (anchor == NONE) {
            anchor = base;
        }
        long limit = anchor + slotMask; // exclusive: never reuses the slot of the anchor step
        if (mode == AggregationConfig.Mode.LATEST_ONLY && lastQueuedStep != NONE) {
            dropQueuedSteps();
        }
        float[] src = c.array();
        int h = c.horizon();
        for (int k = 0; k < h; k++) {
            long n = base + k;
            if (n < floor) {
                continue;
            }
            if (n >= limit) {
                break;
            }
            int i = slot(n);
            if (stepOfSlot[i] != n) {
                claim(i, n);
            }
            add(i, src, k * dim);
            mergedChunks[i]++;
            if (capture >= newestCapture[i]) {
                newestCapture[i] = capture;
                newestFrame[i] = c.frameId();
            }
            if (lastQueuedStep == NONE || n > lastQueuedStep) {
                lastQueuedStep = n;
            }
        }
        lastChunkHorizon = h;
    }

    /** Latest-only: a new chunk replaces every step not yet executed. */
    private void dropQueuedSteps() {
        long from = lastExecutedStep == NONE ? lastQueuedStep - slotMask : lastExecutedStep + 1;
        for (long n = Math.max(from, lastQueuedStep - slotMask); n <= lastQueuedStep; n++) {
            int i = slot(n);
            if (stepOfSlot[i] == n) {
                stepOfSlot[i] = NONE;
            }
        }
        lastQueuedStep = lastExecutedStep != NONE && holds(lastExecutedStep) ? lastExecutedStep : NONE;
    }

    private void claim(int i, long step) {
        stepOfSlot[i] = step;
        mergedChunks[i] = 0;
        weightTotals[i] = 0;
        newestCapture[i] = Long.MIN_VALUE;
        Arrays.fill(weightedSums, i * dim, i * dim + dim, 0);
    }

    /** Merges one action ({@code dim} values of {@code src} from {@code from}) into slot {@code i}. */
    private void add(int i, float[] src, int from) {
        int off = i * dim;
        switch (mode) {
            case TEMPORAL_ENSEMBLE -> {
                int rank = mergedChunks[i];
                double w = rank < ensembleWeightByRank.length ? ensembleWeightByRank[rank] : Math.exp(-ensembleK * rank);
                for (int d = 0; d < dim; d++) {
                    weightedSums[off + d] += w * src[from + d];
                }
                weightTotals[i] += w;
            }
            case WEIGHTED_BLEND -> {
                if (mergedChunks[i] == 0) {
                    for (int d = 0; d < dim; d++) {
                        weightedSums[off + d] = src[from + d];
                    }
                } else {
                    double inv = 1.0 / weightTotals[i];
                    double norm = 1.0 / (oldWeight + newWeight);
                    for (int d = 0; d < dim; d++) {
                        weightedSums[off + d] = (oldWeight * weightedSums[off + d] * inv + newWeight * src[from + d]) * norm;
                    }
                }
                weightTotals[i] = 1;
            }
            default -> {
                for (int d = 0; d < dim; d++) {
                    weightedSums[off + d] = src[from + d];
                }
                weightTotals[i] = 1;
            }
        }
    }

    private void read(int i, double[] out) {
        double w = weightTotals[i];
        int base = i * dim;
        for (int d = 0; d < dim; d++) {
            out[d] = weightedSums[base + d] / w;
        }
    }

    private boolean holds(long step) {
        return stepOfSlot[slot(step)] == step;
    }

    private int slot(long step) {
        return (int) (step & slotMask);
    }
}
