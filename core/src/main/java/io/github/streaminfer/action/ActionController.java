package io.github.streaminfer.action;

import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.time.NanoClock;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

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
    private static final long NONE = Long.MIN_VALUE;
    private static final long AGE_HIGHEST = TimeUnit.SECONDS.toNanos(60);
    private static final long JERK_HIGHEST = 1_000_000_000_000_000L;
    private static final int C_TICKS = 0;
    private static final int C_ACTIVE = 1;
    private static final int C_STARVED = 2;
    private static final int C_STALE = 3;
    private static final int C_ESTOP = 4;
    private static final int C_OFFERED = 0;
    private static final int C_ACCEPTED = 1;
    private static final int C_REJECTED = 2;

    private final ActionConfig config;
    private final NanoClock clock;
    private final int dim;
    private final int maxHorizon;
    private final long stepNanos;
    private final double stepSecs;
    private final long controlNanos;
    private final double dtNom;
    private final boolean[] delta;
    private final AggregationConfig.Mode mode;
    private final double ensembleK;
    private final double[] ensembleWeights;
    private final double oldWeight;
    private final double newWeight;
    private final boolean interpolate;
    private final double refillThreshold;
    private final double[] axisMin;
    private final double[] axisMax;
    private final int[] wsAxes;
    private final double[] wsMin;
    private final double[] wsMax;
    private final long staleNanos;
    private final int estopAfterInvalid;
    private final double estopBelowScore;

    // handoff (producer -> consumer)
    private final ChunkHandoff handoff;
    private final ChunkSlot scratch;

    // step queue (consumer)
    private final int qMask;
    private final long[] qStep;
    private final double[] qSum;
    private final double[] qW;
    private final int[] qN;
    private final long[] qCapture;
    private final long[] qFrame;
    private boolean haveEpoch;
    private long epoch;
    private long lastExecuted = NONE;
    private long tail = NONE;
    private long lastTickStep = NONE;
    private int lastHorizon;

    // per-tick processing (consumer)
    private final Smoother smoother;
    private final MotionLimiter limiter;
    private final double[] scoreNorm;
    private final double[] raw;
    private final double[] smoothed;
    private final double[] vdTarget;
    private final double[] vdRaw;
    private final double[] vd;
    private final double[] vOut;
    private final double[] p0;
    private final double[] v0;
    private final double[] a0;
    private final double[] pose;
    private final double[] zeros;
    private final ActionCommand last;
    private boolean havePose;
    private boolean primed;
    private boolean haveTick;
    private long lastTick;
    private boolean prevActive;
    private long lastActiveFrame = -1;
    private long seenResetConsumer;

    // producer
    private int invalidRun;
    private long seenResetProducer;

    // shared
    private final AtomicInteger estop = new AtomicInteger();
    private final AtomicLong resetEpoch = new AtomicLong();
    private final AtomicLong estopTrips = new AtomicLong();
    private volatile boolean refill = true;
    private volatile boolean closed;

    // stats: consumer-written, producer-written, read by anyone
    private final AtomicLongArray tickCounts = new AtomicLongArray(5);
    private final AtomicLongArray tickInterventions = new AtomicLongArray(Intervention.values().length);
    private final AtomicLongArray offerCounts = new AtomicLongArray(3);
    private final AtomicLongArray offerInterventions = new AtomicLongArray(Intervention.values().length);
    private final SingleWriterRecorder ageRecorder = new SingleWriterRecorder(1, AGE_HIGHEST, 2);
    private final SingleWriterRecorder jerkRecorder = new SingleWriterRecorder(1, JERK_HIGHEST, 2);
    private final Object statsLock = new Object();
    private final Histogram ageTotal = new Histogram(1, AGE_HIGHEST, 2);
    private final Histogram jerkTotal = new Histogram(1, JERK_HIGHEST, 2);
    private Histogram ageInterval;
    private Histogram jerkInterval;

    private ActionController(ActionConfig c, NanoClock clock) {
        this.config = c;
        this.clock = clock;
        this.dim = c.dim();
        this.maxHorizon = c.maxHorizon();
        this.stepNanos = c.stepPeriod().toNanos();
        this.stepSecs = stepNanos / 1e9;
        this.controlNanos = c.controlPeriod().toNanos();
        this.dtNom = controlNanos / 1e9;
        this.delta = new boolean[dim];
        for (int a : c.deltaAxes()) {
            delta[a] = true;
        }
        this.mode = c.aggregation().mode();
        this.ensembleK = c.aggregation().ensembleK();
        this.ensembleWeights = new double[maxHorizon + 1];
        for (int i = 0; i < ensembleWeights.length; i++) {
            ensembleWeights[i] = Math.exp(-ensembleK * i);
        }
        this.oldWeight = c.aggregation().oldWeight();
        this.newWeight = c.aggregation().newWeight();
        this.interpolate = c.interpolate();
        this.refillThreshold = c.refillThreshold();
        SafetyConfig s = c.safety();
        this.axisMin = s.hasAxisBounds() ? s.axisMin() : null;
        this.axisMax = s.hasAxisBounds() ? s.axisMax() : null;
        this.wsAxes = s.workspaceAxes();
        this.wsMin = s.workspaceMin();
        this.wsMax = s.workspaceMax();
        this.staleNanos = s.staleAfter().toNanos();
        this.estopAfterInvalid = s.estopAfterInvalid();
        this.estopBelowScore = s.estopBelowScore();
        this.handoff = new ChunkHandoff(c.handoffCapacity(), dim, maxHorizon);
        this.scratch = new ChunkSlot(dim, maxHorizon);
        int qCap = Integer.highestOneBit(2 * maxHorizon + 3) << 1;
        this.qMask = qCap - 1;
        this.qStep = new long[qCap];
        java.util.Arrays.fill(qStep, NONE);
        this.qSum = new double[qCap * dim];
        this.qW = new double[qCap];
        this.qN = new int[qCap];
        this.qCapture = new long[qCap];
        this.qFrame = new long[qCap];
        this.smoother = new Smoother(c.smoothing(), dim);
        this.limiter = new MotionLimiter(s, dim);
        this.scoreNorm = new double[dim];
        for (int i = 0; i < dim; i++) {
            double v = limiter.vMax[i];
            scoreNorm[i] = v == Double.POSITIVE_INFINITY ? 0.0 : 1.0 / v;
        }
        this.raw = new double[dim];
        this.smoothed = new double[dim];
        this.vdTarget = new double[dim];
        this.vdRaw = new double[dim];
        this.vd = new double[dim];
        this.vOut = new double[dim];
        this.p0 = new double[dim];
        this.v0 = new double[dim];
        this.a0 = new double[dim];
        this.pose = new double[dim];
        this.zeros = new double[dim];
        this.last = new ActionCommand(dim);
        this.ageInterval = ageRecorder.getIntervalHistogram();
        this.jerkInterval = jerkRecorder.getIntervalHistogram();
    }

    /**
     * @param config the configuration
     * @return a builder
     */
    public static Builder builder(ActionConfig config) {
        return new Builder(config);
    }

    /** @return the configuration */
    public ActionConfig config() {
        return config;
    }

    /** @return the clock used by {@link #next(ActionCommand)} and by {@link ControlLoop}s */
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
     * Hands over a policy's decoded chunk (what {@link io.github.streaminfer.task.PolicyTask} produces).
     *
     * @param chunk        the chunk (copied)
     * @param frameId      source frame id
     * @param captureNanos capture time of the source observation
     * @return the status
     */
    public OfferStatus offer(io.github.streaminfer.task.ActionChunk chunk, long frameId, long captureNanos) {
        if (chunk.dim() != dim) {
            return reject(Intervention.DIMENSION);
        }
        return offer(chunk.array(), 0, chunk.horizon() * dim, frameId, captureNanos);
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
        offerCounts.setRelease(C_OFFERED, offerCounts.getPlain(C_OFFERED) + 1);
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
        offerCounts.setRelease(C_ACCEPTED, offerCounts.getPlain(C_ACCEPTED) + 1);
        return OfferStatus.ACCEPTED;
    }

    private OfferStatus reject(Intervention kind) {
        offerCounts.setRelease(C_REJECTED, offerCounts.getPlain(C_REJECTED) + 1);
        int k = kind.ordinal();
        offerInterventions.setRelease(k, offerInterventions.getPlain(k) + 1);
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
     * @return true while fewer than {@code refillThreshold * horizon} steps are queued ahead of the loop: the producer
     * should send the next observation (any thread)
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

    /** @return why the emergency stop is latched, {@link EmergencyStop#NONE} if it is not */
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
        if (currentPose != null && currentPose.length >= dim) {
            boolean ok = true;
            for (int i = 0; i < dim; i++) {
                ok &= Double.isFinite(currentPose[i]);
            }
            if (ok) {
                System.arraycopy(currentPose, 0, pose, 0, dim);
                havePose = true;
            }
        }
        double dtReal;
        if (haveTick) {
            long d = nowNanos - lastTick;
            if (d <= 0) {
                copy(last, dst);
                return dst;
            }
            dtReal = d / 1e9;
        } else {
            dtReal = dtNom;
        }
        double dt = Math.min(dtReal, dtNom);
        haveTick = true;
        lastTick = nowNanos;

        long epochNow = resetEpoch.get();
        if (epochNow != seenResetConsumer) {
            seenResetConsumer = epochNow;
            clearQueue();
            prevActive = false;
        }
        while (handoff.poll(scratch)) {
            merge(scratch);
        }
        boolean latched = estop.get() != 0;

        int bits = 0;
        boolean active = false;
        long srcFrame = -1;
        long srcCapture = 0;
        long execStep = -1;
        boolean haveValue = false;
        boolean haveSource = false;
        if (haveEpoch) {
            long rel = nowNanos - epoch;
            long n = Math.floorDiv(rel, stepNanos);
            lastTickStep = n;
            int src = -1;
            if (has(n)) {
                int i = (int) (n & qMask);
                src = i;
                double f = interpolate ? (rel - n * stepNanos) / (double) stepNanos : 0;
                if (f > 0 && has(n + 1)) {
                    int j = (int) ((n + 1) & qMask);
                    double wi = qW[i];
                    double wj = qW[j];
                    for (int d = 0; d < dim; d++) {
                        double a = qSum[i * dim + d] / wi;
                        double b = qSum[j * dim + d] / wj;
                        raw[d] = a + f * (b - a);
                    }
                    if (qCapture[j] > qCapture[i]) {
                        src = j;
                    }
                } else {
                    read(i);
                }
                if (n > lastExecuted) {
                    lastExecuted = n;
                }
                execStep = n;
                haveValue = true;
            } else if (tail != NONE && tail < n && has(tail)) {
                int i = (int) (tail & qMask);
                src = i;
                read(i);
                bits |= Intervention.STARVED.bit();
                if (tail > lastExecuted) {
                    lastExecuted = tail;
                }
                execStep = tail;
                haveValue = true;
            } else {
                bits |= Intervention.STARVED.bit();
            }
            if (src >= 0) {
                haveSource = true;
                srcFrame = qFrame[src];
                srcCapture = qCapture[src];
            }
            long ahead = tail == NONE || tail < n ? 0 : tail - n;
            boolean r = ahead < refillThreshold * lastHorizon;
            if (r != refill) {
                refill = r;
            }
        }
        if (haveValue && nowNanos - srcCapture > staleNanos) {
            bits |= Intervention.STALE.bit();
            haveValue = false;
        }

        double score = 0;
        boolean moved = false;
        if (haveValue && !latched) {
            if (!prevActive) {
                smoother.reset();
            }
            smoother.apply(raw, dtReal);
            boolean finite = true;
            for (int d = 0; d < dim; d++) {
                finite &= Double.isFinite(raw[d]);
            }
            if (!finite) {
                bits |= Intervention.NON_FINITE.bit();
                smoother.reset();
            } else {
                bits |= chain(dt);
                System.arraycopy(vd, 0, vdTarget, 0, dim);
                brake(dt);
                shapeForJerk(dt, false);
                bits |= limiter.limit(vd, v0, a0, dt, vOut);
                moved = true;
                score = score(dt);
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
        } else if (!primed) {
            state = latched ? ActionCommand.State.ESTOP : ActionCommand.State.IDLE;
        } else {
            if (!moved) {
                // decelerate to a hold: desired velocity 0, same caps
                System.arraycopy(zeros, 0, vd, 0, dim);
                shapeForJerk(dt, true);
                limiter.limit(vd, v0, a0, dt, vOut);
            }
            state = latched ? ActionCommand.State.ESTOP : ActionCommand.State.DECELERATING;
        }

        // integrate, emit, update the kinematic state
        double[] out = dst.values;
        if (primed) {
            boolean still = true;
            for (int d = 0; d < dim; d++) {
                double move = vOut[d] * dt;
                // an absolute target that passed the chain untouched is emitted exactly
                double p = moved && !delta[d] && vOut[d] == vdTarget[d] ? raw[d] : p0[d] + move;
                double vAct;
                if (delta[d]) {
                    vAct = vOut[d];
                } else {
                    // the velocity the robot sees is the difference of the emitted targets: keep that one, not
                    // the pre-rounding one, inside the caps' interval (nudge the target by an ulp if rounding left it)
                    vAct = (p - p0[d]) / dt;
                    for (int k = 0; k < 4 && vAct > limiter.hi(d); k++) {
                        p = Math.nextDown(p);
                        vAct = (p - p0[d]) / dt;
                    }
                    for (int k = 0; k < 4 && vAct < limiter.lo(d); k++) {
                        p = Math.nextUp(p);
                        vAct = (p - p0[d]) / dt;
                    }
                }
                out[d] = delta[d] ? move : p;
                vOut[d] = vAct;
                vdRaw[d] = (vAct - v0[d]) / dt; // scratch from here on: the new acceleration
                p0[d] = p;
                still &= vAct == 0;
            }
            if (active && srcFrame != lastActiveFrame && lastActiveFrame != -1) {
                double j2 = 0;
                for (int d = 0; d < dim; d++) {
                    if (!limiter.uncapped(d)) { // a gripper's open/close step is not jerk
                        double j = (vdRaw[d] - a0[d]) / dt;
                        j2 += j * j;
                    }
                }
                recordJerk(Math.sqrt(j2));
            }
            for (int d = 0; d < dim; d++) {
                a0[d] = vdRaw[d];
                v0[d] = vOut[d];
            }
            if (state == ActionCommand.State.DECELERATING && still) {
                state = ActionCommand.State.HOLDING;
            }
        } else {
            for (int d = 0; d < dim; d++) {
                out[d] = delta[d] || !havePose ? 0 : pose[d];
            }
        }

        dst.state = state;
        dst.safetyScore = active ? score : 0;
        dst.interventions = bits;
        dst.frameId = srcFrame;
        dst.captureNanos = srcCapture;
        dst.observationAgeNanos = haveSource ? nowNanos - srcCapture : -1;
        dst.tickNanos = nowNanos;
        dst.step = execStep;
        dst.refill = refill;
        prevActive = active;
        if (active) {
            lastActiveFrame = srcFrame;
            long age = nowNanos - srcCapture;
            ageRecorder.recordValue(age < 1 ? 1 : Math.min(age, AGE_HIGHEST));
        }
        count(state, bits);
        copy(dst, last);
        return dst;
    }

    /**
     * Safety stage 2 on {@code raw} (already smoothed and finite): per-axis bounds, then the workspace box for
     * absolute axes; primes the kinematic state on the first action; then desired velocities into {@code vd} (and
     * the unclamped ones into {@code vdRaw} for the score) and the workspace box for delta axes.
     */
    private int chain(double dt) {
        int bits = 0;
        System.arraycopy(raw, 0, smoothed, 0, dim);
        if (axisMin != null) {
            for (int d = 0; d < dim; d++) {
                double v = raw[d];
                if (v < axisMin[d]) {
                    raw[d] = axisMin[d];
                    bits |= Intervention.AXIS_BOUND.bit();
                } else if (v > axisMax[d]) {
                    raw[d] = axisMax[d];
                    bits |= Intervention.AXIS_BOUND.bit();
                }
            }
        }
        for (int w = 0; w < wsAxes.length; w++) {
            int d = wsAxes[w];
            if (!delta[d]) {
                double t = raw[d];
                double c = t < wsMin[w] ? wsMin[w] : (t > wsMax[w] ? wsMax[w] : t);
                if (c != t) {
                    raw[d] = c;
                    bits |= Intervention.WORKSPACE.bit();
                }
            }
        }
        if (!primed) {
            for (int d = 0; d < dim; d++) {
                p0[d] = delta[d] ? 0 : (havePose ? pose[d] : raw[d]);
                v0[d] = 0;
                a0[d] = 0;
            }
            primed = true;
        }
        for (int d = 0; d < dim; d++) {
            if (delta[d]) {
                vdRaw[d] = smoothed[d] / stepSecs;
                vd[d] = raw[d] / stepSecs;
            } else {
                vdRaw[d] = (smoothed[d] - p0[d]) / dt;
                vd[d] = (raw[d] - p0[d]) / dt;
            }
        }
        if (havePose) {
            for (int w = 0; w < wsAxes.length; w++) {
                int d = wsAxes[w];
                if (delta[d]) {
                    double t = pose[d] + vd[d] * dt;
                    double c = t < wsMin[w] ? wsMin[w] : (t > wsMax[w] ? wsMax[w] : t);
                    if (c != t) {
                        vd[d] = (c - pose[d]) / dt;
                        bits |= Intervention.WORKSPACE.bit();
                    }
                }
            }
        }
        return bits;
    }

    /**
     * Shapes the desired velocity of each capped absolute axis so that its target can be reached without overshoot
     * under the acceleration cap: the approach speed is at most {@code vb(e) = aMax * (sqrt(dt^2 + 2|e|/aMax) - dt)}
     * for a distance {@code e}, i.e. moving this tick and braking at {@code aMax} afterwards stops at the target
     * (the target is treated as standing still: feeding its estimated velocity forward makes a jerk-limited loop
     * ring at every chunk boundary, where the target jumps). Per axis, so one axis reaching its target does not hold
     * the others back. This is how the caps are followed, not a change of the policy's target, so it is not counted
     * as an intervention (the score shows the resulting lag).
     */
    private void brake(double dt) {
        for (int d = 0; d < dim; d++) {
            double a = limiter.aMax[d];
            double want = vd[d];
            double e = raw[d] - p0[d];
            if (delta[d] || a == Double.POSITIVE_INFINITY) {
                continue;
            }
            double vb = 2 * Math.abs(e) / (Math.sqrt(dt * dt + 2 * Math.abs(e) / a) + dt); // = a*(sqrt(..)-dt), no cancellation
            if (e >= 0) {
                double max = vb;
                if (want > max) {
                    vd[d] = max;
                }
            } else {
                double min = -vb;
                if (want < min) {
                    vd[d] = min;
                }
            }
        }
    }

    /**
     * With a jerk cap, a velocity change must end with the acceleration back at 0, or the velocity overshoots and
     * the loop rings. Per axis, the velocity change requested this tick is limited to what still lets the
     * acceleration ramp down at {@code jMax} by the time the desired velocity is reached:
     * {@code |a| <= jMax * (sqrt(dt^2 + 2|vd - v0|/jMax) - dt)}. When stopping ({@code ramp}), each axis also ramps
     * its acceleration from the current one at {@code jMax} and stops on its own, the fastest stop within the caps
     * (the caps' common factor would otherwise let the slowest axis hold back every other one, several times
     * longer); without a jerk cap a stop keeps the direction of motion.
     */
    private void shapeForJerk(double dt, boolean ramp) {
        for (int d = 0; d < dim; d++) {
            double j = limiter.jMax[d];
            if (j == Double.POSITIVE_INFINITY) {
                continue;
            }
            double dv = vd[d] - v0[d];
            double aAllowed = 2 * Math.abs(dv) / (Math.sqrt(dt * dt + 2 * Math.abs(dv) / j) + dt); // no cancellation
            double aWant = dv / dt;
            double a = Math.abs(aWant) > aAllowed ? Math.copySign(aAllowed, dv) : aWant;
            if (ramp) {
                double cap = limiter.aMax[d];
                double lo = Math.max(a0[d] - j * dt, -cap);
                double hi = Math.min(a0[d] + j * dt, cap);
                a = a < lo ? lo : (a > hi ? hi : a);
            }
            vd[d] = v0[d] + a * dt;
        }
    }

    /**
     * {@code 1 - min(1, |e|)} with {@code e_i = (policy_i - command_i) / tol_i}: for an absolute axis the policy's
     * target against the command, {@code tol_i = vMax_i * stepPeriod} (how far the axis may move in one chunk step);
     * for a delta axis the policy's velocity against the commanded one, {@code tol_i = vMax_i}. Axes without a
     * velocity cap are not scored.
     */
    private double score(double dt) {
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            double n = scoreNorm[d];
            if (n == 0) {
                continue;
            }
            double e = delta[d] ? (vdRaw[d] - vOut[d]) * n : (smoothed[d] - (p0[d] + vOut[d] * dt)) * n / stepSecs;
            sum += e * e;
        }
        double m = Math.sqrt(sum);
        return m >= 1 || !(m >= 0) ? 0 : 1 - m;
    }

    private void read(int slot) {
        double w = qW[slot];
        int base = slot * dim;
        for (int d = 0; d < dim; d++) {
            raw[d] = qSum[base + d] / w;
        }
    }

    private boolean has(long n) {
        return qStep[(int) (n & qMask)] == n;
    }

    private void clearQueue() {
        java.util.Arrays.fill(qStep, NONE);
        tail = NONE;
        lastHorizon = 0;
    }

    /** Merges a chunk into the step grid (consumer thread). */
    private void merge(ChunkSlot c) {
        long capture = c.captureNanos();
        if (!haveEpoch) {
            epoch = capture;
            haveEpoch = true;
        }
        long base = Math.floorDiv(capture - epoch + stepNanos / 2, stepNanos);
        long floor = base;
        if (lastExecuted != NONE) {
            floor = Math.max(floor, lastExecuted + 1);
        }
        if (lastTickStep != NONE) {
            floor = Math.max(floor, lastTickStep);
        }
        // the oldest step still needed: the one executing (or held) now; slots below it may be reused
        long anchor = Math.max(lastExecuted, lastTickStep);
        if (anchor == NONE) {
            anchor = base;
        }
        long limit = anchor + qMask; // exclusive: never reuses the slot of the anchor step
        if (mode == AggregationConfig.Mode.LATEST_ONLY && tail != NONE) {
            long from = lastExecuted == NONE ? tail - qMask : lastExecuted + 1;
            for (long n = Math.max(from, tail - qMask); n <= tail; n++) {
                int i = (int) (n & qMask);
                if (qStep[i] == n) {
                    qStep[i] = NONE;
                }
            }
            tail = lastExecuted != NONE && has(lastExecuted) ? lastExecuted : NONE;
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
            int i = (int) (n & qMask);
            int off = i * dim;
            int so = k * dim;
            if (qStep[i] != n) {
                qStep[i] = n;
                qN[i] = 0;
                qW[i] = 0;
                qCapture[i] = Long.MIN_VALUE;
                for (int d = 0; d < dim; d++) {
                    qSum[off + d] = 0;
                }
            }
            switch (mode) {
                case TEMPORAL_ENSEMBLE -> {
                    int cnt = qN[i];
                    double w = cnt < ensembleWeights.length ? ensembleWeights[cnt] : Math.exp(-ensembleK * cnt);
                    for (int d = 0; d < dim; d++) {
                        qSum[off + d] += w * src[so + d];
                    }
                    qW[i] += w;
                }
                case WEIGHTED_BLEND -> {
                    if (qN[i] == 0) {
                        for (int d = 0; d < dim; d++) {
                            qSum[off + d] = src[so + d];
                        }
                    } else {
                        double inv = 1.0 / qW[i];
                        double norm = 1.0 / (oldWeight + newWeight);
                        for (int d = 0; d < dim; d++) {
                            qSum[off + d] = (oldWeight * qSum[off + d] * inv + newWeight * src[so + d]) * norm;
                        }
                    }
                    qW[i] = 1;
                }
                default -> {
                    for (int d = 0; d < dim; d++) {
                        qSum[off + d] = src[so + d];
                    }
                    qW[i] = 1;
                }
            }
            qN[i]++;
            if (capture >= qCapture[i]) {
                qCapture[i] = capture;
                qFrame[i] = c.frameId();
            }
            if (tail == NONE || n > tail) {
                tail = n;
            }
        }
        lastHorizon = h;
    }

    private void recordJerk(double j) {
        if (j >= 0) {
            double milli = j * 1000;
            long v = milli < 1 ? 1 : (milli > JERK_HIGHEST ? JERK_HIGHEST : (long) milli);
            jerkRecorder.recordValue(v);
        }
    }

    private void count(ActionCommand.State state, int bits) {
        inc(tickCounts, C_TICKS);
        if (state == ActionCommand.State.ACTIVE) {
            inc(tickCounts, C_ACTIVE);
        }
        if (state == ActionCommand.State.ESTOP) {
            inc(tickCounts, C_ESTOP);
        }
        if (Intervention.STARVED.in(bits)) {
            inc(tickCounts, C_STARVED);
        }
        if (Intervention.STALE.in(bits)) {
            inc(tickCounts, C_STALE);
        }
        while (bits != 0) {
            int k = Integer.numberOfTrailingZeros(bits);
            inc(tickInterventions, k);
            bits &= bits - 1;
        }
    }

    private static void inc(AtomicLongArray a, int i) {
        a.setRelease(i, a.getPlain(i) + 1);
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

    /** @return a snapshot of the counters and histograms (any thread) */
    public ActionStats stats() {
        synchronized (statsLock) {
            ageInterval = ageRecorder.getIntervalHistogram(ageInterval);
            ageTotal.add(ageInterval);
            jerkInterval = jerkRecorder.getIntervalHistogram(jerkInterval);
            jerkTotal.add(jerkInterval);
            Map<Intervention, Long> kinds = new EnumMap<>(Intervention.class);
            for (Intervention k : Intervention.values()) {
                long n = tickInterventions.get(k.ordinal()) + offerInterventions.get(k.ordinal());
                if (n != 0) {
                    kinds.put(k, n);
                }
            }
            LatencySnapshot age = ageTotal.getTotalCount() == 0 ? LatencySnapshot.EMPTY
                    : new LatencySnapshot(ageTotal.getTotalCount(), ageTotal.getMean(), ageTotal.getValueAtPercentile(50),
                    ageTotal.getValueAtPercentile(90), ageTotal.getValueAtPercentile(99),
                    ageTotal.getValueAtPercentile(99.9), ageTotal.getMaxValue());
            ActionStats.Distribution jerk = jerkTotal.getTotalCount() == 0 ? ActionStats.Distribution.EMPTY
                    : new ActionStats.Distribution(jerkTotal.getTotalCount(), jerkTotal.getMean() / 1000,
                    jerkTotal.getValueAtPercentile(50) / 1000.0, jerkTotal.getValueAtPercentile(99) / 1000.0,
                    jerkTotal.getMaxValue() / 1000.0);
            return new ActionStats(tickCounts.get(C_TICKS), tickCounts.get(C_ACTIVE), tickCounts.get(C_STARVED),
                    tickCounts.get(C_STALE), tickCounts.get(C_ESTOP), offerCounts.get(C_OFFERED),
                    offerCounts.get(C_ACCEPTED), offerCounts.get(C_REJECTED), handoff.lost(), estopTrips.get(),
                    emergencyStopCause(), kinds, age, jerk);
        }
    }

    /** Stops accepting actions; {@code next} then throws {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    /** @return true after {@link #close()} */
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
         * @param clock clock for {@link ActionController#next(ActionCommand)} and control loops
         * @return this
         */
        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @return the controller */
        public ActionController build() {
            return new ActionController(config, clock);
        }
    }
}
