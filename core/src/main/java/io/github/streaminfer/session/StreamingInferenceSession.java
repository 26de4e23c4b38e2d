package io.github.streaminfer.session;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.concurrent.WakeSignal;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.time.NanoClock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.github.streaminfer.session.SessionCounters.*;

/**
 * A live stream of observations in, a stream of fresh results out: one model, one task, one worker.
 *
 * <pre>{@code
 * try (var session = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
 *         .config(SessionConfig.DEFAULT.toBuilder().name("policy").maxFps(50).build())
 *         .listener(r -> robot.apply(r.value()))
 *         .build()) {
 *     SubmitStatus s = session.submit(observation);   // never blocks, never throws for a full queue
 * }   // close() infers the frames already queued (up to the close timeout); closeNow() discards them
 * }</pre>
 *
 * <p><b>Flow.</b> {@link #submit} puts the observation in a bounded, pre-allocated ingress queue (see
 * {@link IngressPolicy}) and returns a {@link SubmitStatus}. The worker, a dedicated thread or a thread of a shared
 * {@link WorkerPool}, takes the next frame, runs {@link InferenceTask#preprocess}, the model and
 * {@link InferenceTask#decode} into a pooled {@link InferenceResult}, and publishes it three ways: to the
 * {@linkplain Builder#listener listeners} (on the worker), to a single-consumer results ring
 * ({@link #pollResult()}, {@link #drainResults}), and to a latest-value mailbox ({@link #acquireLatest()}).
 * Inference never runs on the caller's thread. An idle worker sleeps (by default,
 * {@link io.github.streaminfer.concurrent.IdleStrategy#parking()}) and the {@code submit} that hands it a frame
 * wakes it; while a paced frame ({@link SessionConfig#targetFps()}) waits, it sleeps until the frame is due.
 *
 * <p><b>Failures.</b> A frame whose preprocess, run or decode throws becomes a failed result, is counted and is
 * passed to the {@link ErrorHandler}; the session goes on. After {@link SessionConfig#maxConsecutiveFailures()}
 * backend failures in a row it becomes {@link SessionState#FAILED} ({@link #failureCause()} says why) and refuses
 * frames until {@link #reset()}.
 *
 * <p><b>Note:</b> {@code submit} is safe from many threads when the producer mode is
 * {@link ProducerMode#MULTI} and from exactly one thread when it is {@link ProducerMode#SINGLE};
 * {@link #pollResult()} and {@link #drainResults} are for one consumer thread at a time; {@link #acquireLatest()},
 * {@link #stats()}, {@link #reset()} and {@link #close()} are safe from any thread. {@code submit}, the worker's
 * cycle and the result paths allocate nothing in steady state.
 *
 * @param <I> observation type
 * @param <O> result value type
 * @since 0.1.0
 */
public final class StreamingInferenceSession<I, O> implements AutoCloseable {
    private final SessionConfig config;
    private final LoadedModel model;
    private final InferenceTask<I, O> task;
    private final NanoClock clock;
    private final ErrorReporter errors;
    private final boolean closeModel;
    private final SessionCounters counters = new SessionCounters();
    private final LatencyRecorder latency = new LatencyRecorder();
    private final Ingress ingress;
    private final RateLimiter rateLimiter;
    private final ModelTensors tensors;
    private final ResultDelivery<O> delivery;
    private final SessionLifecycle lifecycle;
    private final long startNanos;
    private final BooleanSupplier closingCheck;
    private final WorkerPool pool;
    private final Thread dedicatedThread;
    /** Wakes the worker: its own signal for a dedicated thread, its pool thread or executor lane otherwise. */
    private final Waker waker;
    /** What the worker writes per frame, kept out of this object, whose fields producers read on every submit. */
    private final SessionWorker<I, O> worker;

    private StreamingInferenceSession(Builder<I, O> b) {
        this.config = b.config;
        this.model = b.model;
        this.task = b.task;
        this.clock = b.clock;
        this.errors = new ErrorReporter(b.errorHandler != null ? b.errorHandler : new LoggingErrorHandler(),
                config.name());
        this.closeModel = b.closeModel;

        ModelSignature signature = model.signature();
        task.bind(signature);
        this.tensors = new ModelTensors(signature, task, b.stateOutputs, b.stateInputs, b.zeroInputs, b.inputShapes);

        this.ingress = Ingress.create(config.ingress(), config.producerMode(), config.ingressQueueType(), counters);
        this.rateLimiter = config.maxFps() > 0 ? new RateLimiter(config.maxFps()) : null;
        this.delivery = new ResultDelivery<>(b.listeners, config.resultsCapacity(), task, counters, errors);
        this.lifecycle = new SessionLifecycle(config, clock, counters, ingress, errors, this::releaseResources);
        // a producer blocked for room is refused once close begins
        this.closingCheck = lifecycle::closingOrDraining;

        SessionWarmup.run(model, task, tensors.inputs, tensors.outputs, config.warmupIterations(),
                b.warmupObservation);
        this.startNanos = clock.nanoTime();
        this.pool = b.pool;
        FrameProcessor<I, O> processor = new FrameProcessor<>(config, model, task, clock, counters, latency, tensors,
                delivery, errors, lifecycle);
        this.worker = new SessionWorker<>(config, lifecycle, processor, ingress, counters, clock, rateLimiter, errors,
                pool != null ? 1 : 64, startNanos);
        if (pool != null) {
            this.dedicatedThread = null;
            this.waker = pool.register(this);
        } else {
            IdleStrategy idle = config.idleStrategy().copy();
            WakeSignal own = new WakeSignal(() -> lifecycle.closing ? 0 : worker.parkNanos());
            this.waker = own::wake;
            this.dedicatedThread = new Thread(() -> worker.runDedicated(idle, own), "streaminfer-" + config.name());
            dedicatedThread.setDaemon(true);
            dedicatedThread.start();
        }
    }

    /**
     * {@return a builder}
     *
     * @param model the loaded model (shared models must be thread-safe, as every backend's are)
     * @param task  the task; one instance per session
     * @param <I>   observation type
     * @param <O>   result value type
     */
    public static <I, O> Builder<I, O> builder(LoadedModel model, InferenceTask<I, O> task) {
        return new Builder<>(model, task);
    }

    // ---------------------------------------------------------------------------------------------- producer side

    /**
     * Submits an observation captured now; the frame id is the session's submit count.
     *
     * @param observation the observation; the session holds the reference until the frame is preprocessed or
     *                    dropped, so do not modify it in the meantime
     * @return what happened to it
     */
    public SubmitStatus submit(I observation) {
        long now = clock.nanoTime();
        return offer(observation, -1, now, now);
    }

    /**
     * Submits an observation with its own frame id and capture time.
     *
     * @param observation  the observation (see {@link #submit(Object)})
     * @param frameId      id echoed in the result; negative to use the session's submit count
     * @param captureNanos when the observation was captured, on this session's clock
     * @return what happened to it
     */
    public SubmitStatus submit(I observation, long frameId, long captureNanos) {
        return offer(observation, frameId, captureNanos, clock.nanoTime());
    }

    private SubmitStatus offer(I observation, long frameId, long captureNanos, long now) {
        Objects.requireNonNull(observation, "observation");
        long seq = counters.enterProducer();
        long id = frameId < 0 ? seq : frameId;
        SubmitStatus status = null;
        try {
            if (lifecycle.refusesFrames()) {
                counters.increment(REJECTED_CLOSED);
                return SubmitStatus.CLOSED;
            }
            if (rateLimiter != null && !rateLimiter.tryAcquire(now)) {
                counters.increment(RATE_LIMITED);
                return SubmitStatus.RATE_LIMITED;
            }
            status = ingress.offer(observation, id, captureNanos, now, closingCheck);
            return status;
        } finally {
            // the exit count's atomic increment is also the full fence that orders the frame's publication before
            // the wake-up's read of the worker's parked flag (see WakeSignal)
            boolean lastOut = counters.exitProducer();
            if (status == SubmitStatus.ACCEPTED || status == SubmitStatus.REPLACED_OLDEST) {
                waker.wake();
            }
            if (lastOut && lifecycle.closing && counters.noWorkerInside()) {
                lifecycle.cleanup();
            }
        }
    }

    /**
     * {@return the id of the frame that this producer's last submit dropped, when that submit returned
     * REPLACED_OLDEST} The queue never hands a dropped frame to the worker, so a caller that answers every frame
     * knows which one will get no result. Exact for a single producer, which reads it after its own submit; with
     * several producers another's submit may have overwritten it. Allocation-free; -1 before any drop.
     */
    public long replacedFrameId() {
        return ingress.replacedFrameId;
    }

    // ---------------------------------------------------------------------------------------------- consumer side

    /**
     * Takes the oldest result from the results ring. The caller owns it and must {@link InferenceResult#release()}
     * it.
     *
     * @return a result, or null if none is waiting
     * @throws IllegalStateException if the session has no ring ({@code resultsCapacity} 0) or is closed
     */
    public InferenceResult<O> pollResult() {
        ensureOpen();
        if (!delivery.hasRing()) {
            throw new IllegalStateException("session '" + config.name() + "' has no results ring (resultsCapacity "
                    + (config.resultsCapacity() == SessionConfig.RESULTS_AUTO
                    ? "AUTO, which gives a session with listeners none" : "0")
                    + "); allowed: set SessionConfig.resultsCapacity(n) to poll results as well");
        }
        return delivery.poll();
    }

    /**
     * Hands up to {@code max} waiting results to {@code handler}, releasing each after the call.
     *
     * @param handler called on this thread for each result
     * @param max     most results to take
     * @return results handed over
     */
    public int drainResults(ResultListener<O> handler, int max) {
        int n = 0;
        InferenceResult<O> r;
        while (n < max && (r = pollResult()) != null) {
            try {
                handler.onResult(r);
            } finally {
                r.release();
            }
            n++;
        }
        return n;
    }

    /**
     * The newest successful result, retained for the caller, who must {@link InferenceResult#release()} it.
     * Lock-free; safe from any thread.
     *
     * @return the newest successful result, or null if there is none yet
     */
    public InferenceResult<O> acquireLatest() {
        return delivery.acquireLatest();
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /** {@return the configuration} */
    public SessionConfig config() {
        return config;
    }

    /** {@return the session name} */
    public String name() {
        return config.name();
    }

    /** {@return the model} */
    public LoadedModel model() {
        return model;
    }

    /** {@return the lifecycle state} */
    public SessionState state() {
        return lifecycle.state;
    }

    /** {@return why the session failed, or null} */
    public Throwable failureCause() {
        return lifecycle.failureCause;
    }

    /**
     * Clears waiting frames, recurrent model state and the task's per-stream state, and returns a failed session to
     * {@link SessionState#RUNNING}. Returns once the worker has applied it (or the close timeout passed).
     *
     * @throws IllegalStateException if the session is closed
     */
    public void reset() {
        ensureOpen();
        long request = lifecycle.requestReset();
        if (Thread.currentThread() == worker.thread) {
            worker.performReset();
            return;
        }
        waker.wake();
        lifecycle.awaitReset(request);
    }

    /**
     * Closes the session safely: refuses new frames, lets the worker infer the frames already queued (up to
     * {@link SessionConfig#closeTimeout()}), then does what {@link #closeNow()} does. So try-with-resources loses no
     * accepted frame; frames still queued when the timeout passes are counted as dropped at close. Called from a
     * listener (the worker itself) or on a failed session, it cannot drain and closes at once. Idempotent; safe from
     * any thread.
     */
    @Override
    public void close() {
        if (!lifecycle.closing && Thread.currentThread() != worker.thread) {
            lifecycle.drain(System.nanoTime() + config.closeTimeout().toNanos());
        }
        closeNow();
    }

    /**
     * Closes the session without inferring queued frames: refuses new frames, waits (up to the close timeout) for an
     * inference in progress, discards waiting frames (counted as dropped at close), frees the tensors, and closes the
     * model if the builder said so. For shutting down a stream whose waiting frames are worth nothing any more.
     * Idempotent; safe from any thread, including a listener.
     *
     * @since 0.1.0
     */
    public void closeNow() {
        if (lifecycle.closing) {
            lifecycle.awaitCleanup(dedicatedThread);
            return;
        }
        lifecycle.beginClose();
        if (pool != null) {
            pool.deregister(this);
        } else {
            waker.wake(); // a parked dedicated worker must see the flag and end
        }
        if (counters.noWorkerInside() && counters.noProducerInside()) {
            lifecycle.cleanup();
        }
        if (Thread.currentThread() != worker.thread) {
            lifecycle.awaitCleanup(dedicatedThread);
        }
    }

    /**
     * Stops accepting frames, lets the worker finish the ones already queued (up to {@code timeoutNanos}), then
     * closes.
     *
     * @param timeout how long to wait for the queue to drain
     * @param unit    unit of {@code timeout}
     * @return true if the queue drained before the timeout
     */
    public boolean drainAndClose(long timeout, TimeUnit unit) {
        if (lifecycle.closing) {
            closeNow();
            return true;
        }
        boolean drained = Thread.currentThread() != worker.thread
                && lifecycle.drain(System.nanoTime() + unit.toNanos(timeout));
        closeNow();
        return drained;
    }

    /** {@return true once {@link #close()} was called} */
    public boolean isClosed() {
        return lifecycle.closing;
    }

    private void ensureOpen() {
        if (lifecycle.closing) {
            throw new IllegalStateException("session '" + config.name() + "' is closed");
        }
    }

    /** Frees what the session holds, once nothing runs in it any more: see {@link SessionLifecycle#cleanup()}. */
    private void releaseResources() {
        counters.addOwned(DROPPED_CLOSED, ingress.clear());
        delivery.releaseAll();
        tensors.free();
        try {
            task.close();
        } catch (RuntimeException e) {
            errors.reportUnguarded(-1, e);
        }
        if (closeModel) {
            try {
                model.close();
            } catch (RuntimeException e) {
                errors.reportUnguarded(-1, e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- worker

    /** One duty cycle, run by the session's pool thread or executor lane: see {@link SessionWorker#doWork()}. */
    int doWork() {
        return worker.doWork();
    }

    /** How long the session's pool thread may sleep for this session: see {@link SessionWorker#parkNanos()}. */
    long parkNanos() {
        return worker.parkNanos();
    }

    /** Takes what a pool's duty cycle threw: see {@link SessionWorker#onWorkerError}. */
    void onWorkerError(Throwable t) {
        worker.onWorkerError(t);
    }

    // ---------------------------------------------------------------------------------------------- stats

    /** {@return a snapshot of counters, queue depths, rates and latencies; safe from any thread} */
    public SessionStats stats() {
        SessionCounters c = counters;
        long end = lifecycle.closing ? lifecycle.endNanos : clock.nanoTime();
        long runtime = Math.max(0, end - startNanos);
        long inferred = c.get(INFERRED);
        long queued = lifecycle.cleanedUp() ? 0 : ingress.size() + c.get(IN_FLIGHT);
        double actualFps = runtime == 0 ? 0 : inferred / (runtime / 1e9);
        Throwable cause = lifecycle.failureCause;
        return new SessionStats(config.name(), lifecycle.state,
                cause == null ? null : String.valueOf(cause.getMessage()),
                runtime, c.get(SUBMITTED), c.accepted(), inferred, c.get(BUFFERED), c.get(FAILED_INPUT),
                c.get(FAILED_BACKEND), c.get(DROPPED_REPLACED), c.get(DROPPED_RESET), c.get(DROPPED_CLOSED),
                c.get(REJECTED_FULL), c.get(REJECTED_CLOSED), c.get(RATE_LIMITED), queued, c.get(EMITTED),
                c.get(RESULTS_OVERFLOW), c.get(LISTENER_ERRORS), delivery.ringSize(),
                config.targetFps(), config.maxFps(), actualFps, latency.snapshot());
    }

    @Override
    public String toString() {
        return "StreamingInferenceSession[" + config.name() + ", " + lifecycle.state + ", " + model.modelName() + "]";
    }

    // ---------------------------------------------------------------------------------------------- builder

    /**
     * Builds a session and starts its worker.
     *
     * @param <I> observation type
     * @param <O> result value type
     */
    public static final class Builder<I, O> {
        private final LoadedModel model;
        private final InferenceTask<I, O> task;
        private SessionConfig config = SessionConfig.DEFAULT;
        private NanoClock clock = NanoClock.SYSTEM;
        private final List<ResultListener<O>> listeners = new ArrayList<>();
        private ErrorHandler errorHandler;
        private WorkerPool pool;
        private boolean closeModel;
        private final List<String> stateOutputs = new ArrayList<>();
        private final List<String> stateInputs = new ArrayList<>();
        private final List<String> zeroInputs = new ArrayList<>();
        private final Map<String, long[]> inputShapes = new HashMap<>();
        private I warmupObservation;
        private boolean allowLossyIngress;

        private Builder(LoadedModel model, InferenceTask<I, O> task) {
            this.model = Objects.requireNonNull(model, "model");
            this.task = Objects.requireNonNull(task, "task");
        }

        /**
         * Sets {@code config}.
         *
         * @param config queueing, pacing and reporting settings
         * @return this
         */
        public Builder<I, O> config(SessionConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Sets {@code clock}.
         *
         * @param clock the monotonic clock for all timing (tests inject a manual one)
         * @return this
         */
        public Builder<I, O> clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets {@code listener}.
         *
         * @param listener called on the worker for every result, success or failure; must not block
         * @return this
         */
        public Builder<I, O> listener(ResultListener<O> listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Sets {@code errorHandler}.
         *
         * @param handler receives failures the session survives (default: logs, at most one line per second)
         * @return this
         */
        public Builder<I, O> errorHandler(ErrorHandler handler) {
            this.errorHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Sets {@code workerPool}.
         *
         * @param pool run this session on a shared pool instead of a dedicated thread
         * @return this
         */
        public Builder<I, O> workerPool(WorkerPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /**
         * Sets {@code closeModelOnClose}.
         *
         * @param close whether {@link StreamingInferenceSession#close()} also closes the model (default false: the
         *              caller owns the model, which several sessions may share)
         * @return this
         */
        public Builder<I, O> closeModelOnClose(boolean close) {
            this.closeModel = close;
            return this;
        }

        /**
         * Feeds a state output back into a state input after every run (recurrent models such as Silero VAD).
         * The input starts at zero and {@link StreamingInferenceSession#reset()} zeroes it again.
         *
         * @param outputName the output holding the next state
         * @param inputName  the input taking the state
         * @return this
         */
        public Builder<I, O> recurrentState(String outputName, String inputName) {
            stateOutputs.add(Objects.requireNonNull(outputName, "outputName"));
            stateInputs.add(Objects.requireNonNull(inputName, "inputName"));
            return this;
        }

        /**
         * Declares a model input that stays zero on purpose. {@link #build()} refuses a model input that neither the
         * task, a {@link #recurrentState recurrent state} nor this declaration writes, because an input left at zero
         * by mistake (a forgotten recurrent state, a sample rate) runs the model silently wrong.
         *
         * @param inputName the input to leave at zero
         * @return this
         * @since 0.1.0
         */
        public Builder<I, O> zeroInput(String inputName) {
            zeroInputs.add(Objects.requireNonNull(inputName, "inputName"));
            return this;
        }

        /**
         * Fixes the shape the session allocates for an input, in place of the task's
         * {@link InferenceTask#inputShape choice}: for a recurrent state or zero input with dynamic dimensions other
         * than a batch of one, or a task that cannot decide. {@link #build()} fails for an input whose shape is left
         * with dynamic dimensions, naming it.
         *
         * @param inputName the input
         * @param shape     its concrete shape; must fit the model's spec
         * @return this
         * @since 0.1.0
         */
        public Builder<I, O> inputShape(String inputName, long... shape) {
            inputShapes.put(Objects.requireNonNull(inputName, "inputName"), shape.clone());
            return this;
        }

        /**
         * Sets a representative observation for warm-up: each of {@link SessionConfig#warmupIterations()} runs then
         * takes the whole path a frame takes (preprocess, model, decode) instead of the model alone. Warm-up
         * frames reach no listener and no statistic; the task is reset after them.
         *
         * @param observation an observation the task accepts (for example an image of the model's size); the
         *                    session reads it only while it is built
         * @return this
         */
        public Builder<I, O> warmupObservation(I observation) {
            this.warmupObservation = Objects.requireNonNull(observation, "observation");
            return this;
        }

        /**
         * Lets a task whose frames are parts of one stream ({@link InferenceTask#streamContinuous()}, e.g.
         * {@code SignalWindowTask}) run on a lossy ingress. Without it, {@link #build()} refuses
         * {@code DROP_OLDEST} for such a task and replaces the default {@code LATEST_ONLY} by a lossless
         * {@code REJECT_NEWEST(1024)} queue.
         *
         * @param allow true to keep the configured ingress even if it drops or replaces frames (default false)
         * @return this
         */
        public Builder<I, O> allowLossyIngress(boolean allow) {
            this.allowLossyIngress = allow;
            return this;
        }

        /**
         * Builds the session and starts its worker. For a task whose frames are parts of one stream the ingress is
         * checked first (see {@link #allowLossyIngress(boolean)}); {@link StreamingInferenceSession#config()} tells
         * the ingress the session runs with.
         *
         * @return the running session
         * @throws IllegalArgumentException if the task does not fit the model (the message names the tensor), if a
         *                                  model input is written by no one (see {@link #zeroInput}) or has a shape
         *                                  nobody decided (see {@link #inputShape}), or if the ingress would silently
         *                                  lose frames of a continuous stream; each message names the fix
         */
        public StreamingInferenceSession<I, O> build() {
            config = StreamIngress.resolve(task, config, allowLossyIngress);
            return new StreamingInferenceSession<>(this);
        }
    }
}
