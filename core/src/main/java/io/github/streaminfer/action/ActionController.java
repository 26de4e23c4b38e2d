package io.github.streaminfer.action;

import io.github.streaminfer.time.NanoClock;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns a stream of policy actions or action chunks (produced at the inference rate) into one safe command per
 * control tick (at the control rate): timestep-indexed chunk queue with aggregation of overlapping chunks and
 * interpolation, per-axis smoothing, then the safety chain of {@link SafetyConfig}.
 *
 * <pre>{@code
 * ActionController ctl = ActionController.builder(config).build();
 * session listener (worker):  ctl.offer(values, frameId, captureNanos)   // or ActionStage.forVectors(ctl) / forChunks(ctl)
 * robot loop (one thread):    ctl.next(now, pose, cmd); if (cmd.executable()) robot.send(cmd.values());
 * }</pre>
 *
 * <p>Producer side: {@link #offer} copies the action into a pre-allocated slot of a wait-free handoff ring and
 * returns an {@link OfferStatus}; non-finite values and wrong sizes are rejected there and never reach the loop.
 * Consumer side: {@link #next(long, ActionCommand)} drains the ring, merges chunks on the step grid, and writes the
 * command for this tick into the caller's {@link ActionCommand}. Neither side locks, blocks, logs or allocates in
 * steady state. Any thread may read {@link #stats()}, {@link #needsRefill()}, trip {@link #emergencyStop()} or
 * {@link #resetEmergencyStop()}.
 *
 * <p><b>Note:</b> {@code offer} from one producer thread only (the session's worker); {@code next} from one
 * consumer thread only (the robot's control loop, or the thread of a {@link ControlLoop}); everything else from any
 * thread.
 *
 * @since 0.1.0
 */
public final class ActionController implements AutoCloseable {
    private final ActionConfig config;
    private final NanoClock clock;
    private final int dim;
    private final int maxHorizon;
    private final long controlNanos;
    private final double controlSecs;
    private final double refillThreshold;
    private final long staleNanos;
    private final int estopAfterInvalid;
    private final double estopBelowScore;

    // producer -> consumer
    private final ChunkHandoff handoff;
    private final ChunkSlot drained;

    // consumer
    private final ChunkQueue queue;
    private final Smoother smoother;
    private final SafetyChain chain;
    private final ActionCommand last;
    private boolean haveTick;
    private long lastTickNanos;
    private boolean activeLastTick;
    private long lastActiveFrame = -1;
    private long seenResetConsumer;

    // producer
    private int invalidRun;
    private long seenResetProducer;

    // any thread
    private final ActionMetrics metrics = new ActionMetrics();
    private final AtomicInteger estop = new AtomicInteger();
    private final AtomicLong resetEpoch = new AtomicLong();
    private final AtomicLong estopTrips = new AtomicLong();
    private volatile boolean refill = true;
    private volatile boolean closed;

    private ActionController(ActionConfig c, NanoClock clock) {
        this.config = c;
        this.clock = clock;
        this.dim = c.dim();
        this.maxHorizon = c.maxHorizon();
        this.controlNanos = c.controlPeriod().toNanos();
        this.controlSecs = controlNanos / 1e9;
        this.refillThreshold = c.refillThreshold();
        SafetyConfig s = c.safety();
        this.staleNanos = s.staleAfter().toNanos();
        this.estopAfterInvalid = s.estopAfterInvalid();
        this.estopBelowScore = s.estopBelowScore();
        this.handoff = new ChunkHandoff(c.handoffCapacity(), dim, maxHorizon);
        this.drained = new ChunkSlot(dim, maxHorizon);
        this.queue = new ChunkQueue(c);
        this.smoother = new Smoother(c.smoothing(), dim);
        this.chain = new SafetyChain(c);
        this.last = new ActionCommand(dim);
    }

    /**
     * Starts building a controller.
     *
     * @param config the configuration
     * @return a builder
     */
    public static Builder builder(ActionConfig config) {
        return new Builder(config);
    }

    /** {@return the configuration} */
    public ActionConfig config() {
        return config;
    }

    /** {@return the clock used by {@link #next(ActionCommand)} and by {@link ControlLoop}s} */
    public NanoClock clock() {
        return clock;
    }

    // ------------------------------------------------------------------------------------------------ producer

    /**
     * Hands over an action ({@code values.length == dim}) or a chunk ({@code values.length == horizon * dim},
     * row-major). Copies; never blocks; allocation-free.
     *
     * @param values       the values
     * @param frameId      source frame id
     * @param captureNanos capture time of the source observation (same clock as {@code next})
     * @return the status; rejected actions never reach the control loop
     */
    public OfferStatus offer(float[] values, long frameId, long captureNanos) {
        return offer(values, 0, values.length, frameId, captureNanos);
    }

    /**
     * Hands over {@code length} values from {@code offset}: an action or a row-major chunk.
     *
     * @param values       the values
     * @param offset       first value
     * @param length       number of values: {@code horizon * dim}, {@code 1 <= horizon <= maxHorizon}
     * @param frameId      source frame id
     * @param captureNanos capture time of the source observation
     * @return the status
     */
    public OfferStatus offer(float[] values, int offset, int length, long frameId, long captureNanos) {
        if (closed) {
            return OfferStatus.CLOSED;
        }
        metrics.offered();
        if (length <= 0 || length % dim != 0 || length / dim > maxHorizon || offset < 0
                || offset > values.length - length) {
            return reject(Intervention.DIMENSION);
        }
        for (int i = offset, end = offset + length; i < end; i++) {
            float v = values[i];
            if (v - v != 0) { // NaN or infinite
                return reject(Intervention.NON_FINITE);
            }
        }
        invalidRun = 0;
        handoff.publish(values, offset, length / dim, frameId, captureNanos);
        metrics.accepted();
        return OfferStatus.ACCEPTED;
    }

    /**
     * Rejects an offer (producer thread): counts it, and trips the emergency stop after too many in a row.
     *
     * @param kind {@link Intervention#DIMENSION} or {@link Intervention#NON_FINITE}
     * @return the matching rejection status
     */
    OfferStatus reject(Intervention kind) {
        metrics.rejected(kind);
        long epochNow = resetEpoch.get();
        if (epochNow != seenResetProducer) {
            seenResetProducer = epochNow;
            invalidRun = 0;
        }
        invalidRun++;
        if (estopAfterInvalid > 0 && invalidRun >= estopAfterInvalid) {
            trip(EmergencyStop.CONSECUTIVE_INVALID);
        }
        return kind == Intervention.DIMENSION ? OfferStatus.REJECTED_DIMENSION : OfferStatus.REJECTED_NON_FINITE;
    }

    /**
     * Whether the producer should send the next observation (any thread).
     *
     * @return true while fewer than {@code refillThreshold * horizon} steps are queued ahead of the loop
     */
    public boolean needsRefill() {
        return refill;
    }

    // ------------------------------------------------------------------------------------------------ e-stop

    /** Latches the emergency stop (any thread). Commands stay non-executable until {@link #resetEmergencyStop()}. */
    public void emergencyStop() {
        trip(EmergencyStop.API);
    }

    private void trip(EmergencyStop cause) {
        if (estop.compareAndSet(0, cause.ordinal())) {
            estopTrips.incrementAndGet();
        }
    }

    /**
     * Clears a latched emergency stop (any thread). Queued steps are dropped: the loop waits for a new action and
     * ramps up from where the command is, within the caps.
     */
    public void resetEmergencyStop() {
        resetEpoch.incrementAndGet();
        estop.set(0);
    }

    /** {@return why the emergency stop is latched, {@link EmergencyStop#NONE} if it is not} */
    public EmergencyStop emergencyStopCause() {
        return EmergencyStop.values()[estop.get()];
    }

    // ------------------------------------------------------------------------------------------------ consumer

    /**
     * The command for this tick at the clock's current time; see {@link #next(long, double[], ActionCommand)}.
     *
     * @param dst command to fill
     * @return {@code dst}
     */
    public ActionCommand next(ActionCommand dst) {
        return next(clock.nanoTime(), null, dst);
    }

    /**
     * The command for this tick; see {@link #next(long, double[], ActionCommand)}.
     *
     * @param nowNanos this tick's time (monotonic, same clock as the capture times)
     * @param dst      command to fill
     * @return {@code dst}
     */
    public ActionCommand next(long nowNanos, ActionCommand dst) {
        return next(nowNanos, null, dst);
    }

    /**
     * Computes the command for this tick into {@code dst}: lock-free, allocation-free, never blocks.
     *
     * <p><b>Note:</b> control-loop thread only (single consumer).
     *
     * @param nowNanos    this tick's time (monotonic, same clock as the capture times)
     * @param currentPose the robot's current pose/state, {@code dim} values, or null if unknown; used to start the
     *                    first move from where the robot is and for the workspace check of delta axes (only the
     *                    finite values of the first {@code dim} entries are used)
     * @param dst         command to fill
     * @return {@code dst}
     * @throws IllegalStateException after {@link #close()}
     */
    public ActionCommand next(long nowNanos, double[] currentPose, ActionCommand dst) {
        if (closed) {
            throw new IllegalStateException("ActionController is closed");
        }
        if (dst.values.length != dim) {
            throw new IllegalArgumentException("command has " + dst.values.length + " values; this controller has dim " + dim);
        }
        chain.observePose(currentPose);
        double sinceLastTick;
        if (haveTick) {
            long d = nowNanos - lastTickNanos;
            if (d <= 0) {
                copy(last, dst);
                return dst;
            }
            sinceLastTick = d / 1e9;
        } else {
            sinceLastTick = controlSecs;
        }
        double dt = Math.min(sinceLastTick, controlSecs);
        haveTick = true;
        lastTickNanos = nowNanos;

        long epochNow = resetEpoch.get();
        if (epochNow != seenResetConsumer) {
            seenResetConsumer = epochNow;
            queue.clear();
            activeLastTick = false;
        }
        while (handoff.poll(drained)) {
            queue.merge(drained);
        }
        boolean latched = estop.get() != 0;

        int bits = 0;
        boolean haveValue = false;
        double[] target = chain.target();
        if (queue.started()) {
            haveValue = queue.sample(nowNanos, target);
            if (queue.starved()) {
                bits |= Intervention.STARVED.bit();
            }
            boolean r = queue.belowRefill(refillThreshold);
            if (r != refill) {
                refill = r;
            }
        }
        long srcFrame = queue.sourceFrame();
        long srcCapture = queue.sourceCapture();
        if (haveValue && nowNanos - srcCapture > staleNanos) {
            bits |= Intervention.STALE.bit();
            haveValue = false;
        }

        double score = 0;
        boolean moved = false;
        boolean active = false;
        if (haveValue && !latched) {
            if (!activeLastTick) {
                smoother.reset();
            }
            smoother.apply(target, sinceLastTick);
            boolean finite = true;
            for (int d = 0; d < dim; d++) {
                finite &= Double.isFinite(target[d]);
            }
            if (!finite) {
                bits |= Intervention.NON_FINITE.bit();
                smoother.reset();
            } else {
                bits |= chain.track(dt);
                moved = true;
                score = chain.score(dt);
                active = true;
                if (estopBelowScore > 0 && score < estopBelowScore) {
                    trip(EmergencyStop.LOW_SCORE);
                    latched = true;
                    active = false;
                }
            }
        }
        if (latched) {
            bits |= Intervention.ESTOP.bit();
        }

        ActionCommand.State state;
        if (active) {
            state = ActionCommand.State.ACTIVE;
        } else if (!chain.primed()) {
            state = latched ? ActionCommand.State.ESTOP : ActionCommand.State.IDLE;
        } else {
            if (!moved) {
                chain.decelerate(dt);
            }
            state = latched ? ActionCommand.State.ESTOP : ActionCommand.State.DECELERATING;
        }

        if (chain.primed()) {
            boolean newChunk = active && srcFrame != lastActiveFrame && lastActiveFrame != -1;
            boolean still = chain.emit(dt, moved, newChunk, dst.values);
            if (newChunk) {
                metrics.recordJerk(chain.lastJerk());
            }
            if (state == ActionCommand.State.DECELERATING && still) {
                state = ActionCommand.State.HOLDING;
            }
        } else {
            chain.emitUnprimed(dst.values);
        }

        dst.state = state;
        dst.safetyScore = active ? score : 0;
        dst.interventions = bits;
        dst.frameId = srcFrame;
        dst.captureNanos = srcCapture;
        dst.observationAgeNanos = queue.hasSource() ? nowNanos - srcCapture : -1;
        dst.tickNanos = nowNanos;
        dst.step = queue.started() ? queue.sampledStep() : -1;
        dst.refill = refill;
        activeLastTick = active;
        if (active) {
            lastActiveFrame = srcFrame;
            metrics.recordAge(nowNanos - srcCapture);
        }
        metrics.tick(state, bits);
        copy(dst, last);
        return dst;
    }

    private static void copy(ActionCommand from, ActionCommand to) {
        System.arraycopy(from.values, 0, to.values, 0, from.values.length);
        to.state = from.state;
        to.safetyScore = from.safetyScore;
        to.interventions = from.interventions;
        to.frameId = from.frameId;
        to.captureNanos = from.captureNanos;
        to.observationAgeNanos = from.observationAgeNanos;
        to.tickNanos = from.tickNanos;
        to.step = from.step;
        to.refill = from.refill;
    }

    // ------------------------------------------------------------------------------------------------ push style

    /**
     * Starts a thread that calls {@link #next} every {@code controlPeriod} and hands the command to
     * {@code listener}. While it runs, no other thread may call {@code next}.
     *
     * @param listener receives each tick's command on the loop's thread
     * @return the running loop; close it to stop
     */
    public ControlLoop startLoop(CommandListener listener) {
        return startLoop(listener, null);
    }

    /**
     * Like {@link #startLoop(CommandListener)}, reading the robot's pose before each tick.
     *
     * @param listener receives each tick's command
     * @param poseSource fills the current pose before each tick and returns true, or returns false if unknown;
     *                   may be null
     * @return the running loop
     */
    public ControlLoop startLoop(CommandListener listener, ControlLoop.PoseSource poseSource) {
        if (closed) {
            throw new IllegalStateException("ActionController is closed");
        }
        return new ControlLoop(this, Objects.requireNonNull(listener, "listener"), poseSource, controlNanos);
    }

    // ------------------------------------------------------------------------------------------------ stats

    /** {@return a snapshot of the counters and histograms (any thread)} */
    public ActionStats stats() {
        return metrics.snapshot(handoff.lost(), estopTrips.get(), emergencyStopCause());
    }

    /** Stops accepting actions; {@code next} then throws {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    /** {@return true after {@link #close()}} */
    public boolean isClosed() {
        return closed;
    }

    /** Builder for {@link ActionController}. */
    public static final class Builder {
        private final ActionConfig config;
        private NanoClock clock = NanoClock.SYSTEM;

        private Builder(ActionConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /**
         * Sets {@code clock}.
         *
         * @param clock clock for {@link ActionController#next(ActionCommand)} and control loops
         * @return this
         */
        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** {@return the controller} */
        public ActionController build() {
            return new ActionController(config, clock);
        }
    }
}
