package io.github.streaminfer.session;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.concurrent.WakeSignal;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.time.NanoClock;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.SpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
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
    private static final Logger LOG = LoggerFactory.getLogger(StreamingInferenceSession.class);
    /** How often a worker waiting for a paced frame looks at a clock other than {@link NanoClock#SYSTEM}. */
    private static final long FOREIGN_CLOCK_POLL_NANOS = 1_000_000;

    private final SessionConfig config;
    private final LoadedModel model;
    private final InferenceTask<I, O> task;
    private final NanoClock clock;
    private final ResultListener<O>[] listeners;
    private final ErrorHandler errorHandler;
    private final boolean closeModel;
    private final SessionCounters counters = new SessionCounters();
    private final LatencyRecorder latency = new LatencyRecorder();
    private final Ingress ingress;
    private final RateLimiter rateLimiter;
    private final long paceIntervalNanos;
    private final Tensor[] inputs;
    private final Tensor[] outputs;
    private final int[] stateOutputs;
    private final int[] stateInputs;
    private final SpscArrayQueue<InferenceResult<O>> results;
    private final MpscArrayQueue<InferenceResult<O>> resultPool;
    private final AtomicReference<InferenceResult<O>> latest = new AtomicReference<>();
    private final long startNanos;
    private final BooleanSupplier closingCheck;
    private final WorkerPool pool;
    private final Thread dedicatedThread;
    /** Wakes the worker: its own signal for a dedicated thread, its pool thread or executor lane otherwise. */
    private final Waker waker;
    /** Longest timed sleep while a paced frame waits: exact on the system clock, short polls on any other. */
    private final long maxTimedParkNanos;
    private final int maxBatch;

    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private final AtomicLong resetRequests = new AtomicLong();
    private volatile long resetsDone;
    private volatile boolean closing;
    private volatile boolean draining;
    private volatile SessionState state = SessionState.RUNNING;
    private volatile Throwable failureCause;
    private volatile long endNanos;

    // worker-confined
    /** What the worker writes per frame, kept out of this object, whose fields producers read on every submit. */
    private final WorkerState<O> w = new WorkerState<>();
    private Thread workerThread;

    private StreamingInferenceSession(Builder<I, O> b) {
        this.config = b.config;
        this.model = b.model;
        this.task = b.task;
        this.clock = b.clock;
        this.errorHandler = b.errorHandler != null ? b.errorHandler : new LoggingErrorHandler();
        this.closeModel = b.closeModel;
        @SuppressWarnings({"unchecked", "rawtypes"})
        ResultListener<O>[] ls = b.listeners.toArray(new ResultListener[0]);
        this.listeners = ls;

        ModelSignature signature = model.signature();
        task.bind(signature);
        long[][] shapes = InputPlan.shapes(signature, task, b.stateInputs, b.zeroInputs, b.inputShapes);
        this.inputs = new Tensor[signature.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = Tensor.allocate(signature.inputs().get(i), shapes[i]);
        }
        this.outputs = Tensors.allocate(signature.outputs(), 1);
        this.stateOutputs = new int[b.stateOutputs.size()];
        this.stateInputs = new int[b.stateInputs.size()];
        for (int i = 0; i < stateOutputs.length; i++) {
            stateOutputs[i] = signature.outputIndex(b.stateOutputs.get(i));
            stateInputs[i] = signature.inputIndex(b.stateInputs.get(i));
            Tensor out = outputs[stateOutputs[i]];
            Tensor in = inputs[stateInputs[i]];
            // the output spec may leave dimensions dynamic (Silero VAD declares stateN as [?, ?, ?]); it must accept
            // the state input's concrete shape
            if (out.dtype() != in.dtype() || !out.spec().accepts(in.shape())) {
                throw new IllegalArgumentException("recurrent state output '" + out.name() + "' " + out.dtype()
                        + Shapes.toString(out.spec().shape()) + " does not fit input '" + in.name() + "' "
                        + in.dtype() + Shapes.toString(in.shape()));
            }
        }

        this.ingress = Ingress.create(config.ingress(), config.producerMode(), config.ingressQueueType(), counters);
        this.rateLimiter = config.maxFps() > 0 ? new RateLimiter(config.maxFps()) : null;
        this.paceIntervalNanos = config.targetFps() > 0 ? Math.round(1e9 / config.targetFps()) : 0;
        int ring = config.resultsCapacity() == SessionConfig.RESULTS_AUTO
                ? (listeners.length == 0 ? SessionConfig.RESULTS_AUTO_CAPACITY : 0) : config.resultsCapacity();
        this.results = ring > 0 ? new SpscArrayQueue<>(Math.max(2, ring)) : null;
        // ring + latest mailbox + the one being written + readers holding results briefly
        int poolSize = ring + 2 + 16;
        this.resultPool = new MpscArrayQueue<>(poolSize);
        for (int i = 0; i < poolSize; i++) {
            resultPool.offer(new InferenceResult<>(task.newOutput(), resultPool));
        }
        this.closingCheck = () -> closing || draining; // a producer blocked for room is refused once close begins

        SessionWarmup.run(model, task, inputs, outputs, config.warmupIterations(), b.warmupObservation);
        this.startNanos = clock.nanoTime();
        w.nextStartNanos = startNanos;
        this.pool = b.pool;
        this.maxBatch = pool != null ? 1 : 64;
        // an injected clock need not follow real time, so a paced frame's due time cannot become a sleep length
        this.maxTimedParkNanos = clock == NanoClock.SYSTEM ? Long.MAX_VALUE - 1 : FOREIGN_CLOCK_POLL_NANOS;
        if (pool != null) {
            this.dedicatedThread = null;
            this.waker = pool.register(this);
        } else {
            IdleStrategy idle = config.idleStrategy().copy();
            WakeSignal own = new WakeSignal(() -> closing ? 0 : parkNanos());
            this.waker = own::wake;
            this.dedicatedThread = new Thread(() -> runDedicated(idle, own), "streaminfer-" + config.name());
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
            if (closing || draining || state != SessionState.RUNNING) {
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
            if (lastOut && closing && counters.noWorkerInside()) {
                cleanup();
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
        if (results == null) {
            throw new IllegalStateException("session '" + config.name() + "' has no results ring (resultsCapacity "
                    + (config.resultsCapacity() == SessionConfig.RESULTS_AUTO
                    ? "AUTO, which gives a session with listeners none" : "0")
                    + "); allowed: set SessionConfig.resultsCapacity(n) to poll results as well");
        }
        return results.poll();
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
        for (;;) {
            InferenceResult<O> r = latest.get();
            if (r == null) {
                return null;
            }
            if (r.tryRetain()) {
                if (latest.get() == r) {
                    return r;
                }
                r.release();
            }
        }
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
        return state;
    }

    /** {@return why the session failed, or null} */
    public Throwable failureCause() {
        return failureCause;
    }

    /**
     * Clears waiting frames, recurrent model state and the task's per-stream state, and returns a failed session to
     * {@link SessionState#RUNNING}. Returns once the worker has applied it (or the close timeout passed).
     *
     * @throws IllegalStateException if the session is closed
     */
    public void reset() {
        ensureOpen();
        long request = resetRequests.incrementAndGet();
        if (Thread.currentThread() == workerThread) {
            performReset();
            return;
        }
        waker.wake();
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        for (int waits = 0; resetsDone < request && !closing; waits++) {
            if (System.nanoTime() - deadline > 0) {
                return;
            }
            Ingress.blockIdle(waits);
        }
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
        if (!closing && Thread.currentThread() != workerThread) {
            drain(System.nanoTime() + config.closeTimeout().toNanos());
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
        if (closing) {
            awaitCleanup();
            return;
        }
        closing = true;
        endNanos = clock.nanoTime();
        if (state == SessionState.RUNNING) {
            state = SessionState.CLOSED;
        }
        if (pool != null) {
            pool.deregister(this);
        } else {
            waker.wake(); // a parked dedicated worker must see the flag and end
        }
        if (counters.noWorkerInside() && counters.noProducerInside()) {
            cleanup();
        }
        if (Thread.currentThread() != workerThread) {
            awaitCleanup();
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
        if (closing) {
            closeNow();
            return true;
        }
        boolean drained = Thread.currentThread() != workerThread && drain(System.nanoTime() + unit.toNanos(timeout));
        closeNow();
        return drained;
    }

    /** Refuses new frames and waits until the queue is empty, the deadline passes or the session fails. */
    private boolean drain(long deadline) {
        SessionState before = state;
        if (before == SessionState.RUNNING) {
            draining = true; // refuse new frames, keep the worker going
        }
        boolean drained = false;
        for (int waits = 0; ; waits++) {
            if (ingress.size() == 0 && counters.get(IN_FLIGHT) == 0 && counters.noProducerInside()) {
                drained = true;
                break;
            }
            if (System.nanoTime() - deadline > 0 || state != SessionState.RUNNING) {
                break;
            }
            Ingress.blockIdle(waits);
        }
        return drained;
    }

    /** {@return true once {@link #close()} was called} */
    public boolean isClosed() {
        return closing;
    }

    private void ensureOpen() {
        if (closing) {
            throw new IllegalStateException("session '" + config.name() + "' is closed");
        }
    }

    private void awaitCleanup() {
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        for (int waits = 0; !cleanedUp.get(); waits++) {
            if (System.nanoTime() - deadline > 0) {
                LOG.warn("session '{}': close timed out after {}; resources are freed when the running inference "
                        + "returns", config.name(), config.closeTimeout());
                return;
            }
            Ingress.blockIdle(waits);
        }
        if (dedicatedThread != null && Thread.currentThread() != dedicatedThread) {
            try {
                dedicatedThread.join(Math.max(1, config.closeTimeout().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void cleanup() {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        counters.addOwned(DROPPED_CLOSED, ingress.clear());
        InferenceResult<O> last = latest.getAndSet(null);
        if (last != null) {
            last.release();
        }
        if (results != null) {
            InferenceResult<O> r;
            while ((r = results.poll()) != null) {
                r.release();
            }
        }
        Tensors.free(inputs);
        Tensors.free(outputs);
        try {
            task.close();
        } catch (RuntimeException e) {
            errorHandler.onError(config.name(), -1, e);
        }
        if (closeModel) {
            try {
                model.close();
            } catch (RuntimeException e) {
                errorHandler.onError(config.name(), -1, e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- worker

    private void runDedicated(IdleStrategy idle, WakeSignal own) {
        while (!closing) {
            int work;
            try {
                work = doWork();
            } catch (Throwable t) {
                onWorkerError(t);
                work = 0;
            }
            idle.idle(work, own);
        }
        // a close that timed out while an inference ran is finished here
        if (counters.noWorkerInside() && counters.noProducerInside()) {
            cleanup();
        }
    }

    /**
     * Asked on the worker's thread, with its parked flag set, before it sleeps.
     *
     * @return 0 if a cycle now would find work (a reset to apply, or a frame that is due), the nanoseconds until a
     *         waiting paced frame is due, or {@link Long#MAX_VALUE} if nothing happens until a producer, a reset or
     *         a close wakes the worker
     */
    long parkNanos() {
        if (closing) {
            // a dedicated worker checks the flag itself; a pool drops the session as close() deregisters it
            return Long.MAX_VALUE;
        }
        if (resetsDone != resetRequests.get()) {
            return 0;
        }
        if (state != SessionState.RUNNING || ingress.size() == 0) {
            return Long.MAX_VALUE;
        }
        if (paceIntervalNanos == 0) {
            return 0;
        }
        long wait = w.nextStartNanos - clock.nanoTime();
        return wait <= 0 ? 0 : Math.min(wait, maxTimedParkNanos);
    }

    void onWorkerError(Throwable t) {
        safeError(-1, t);
        fail(t);
    }

    /**
     * One duty cycle: applies a pending reset, then infers the waiting frames, at most {@code maxBatch} of them
     * (64 on a dedicated thread, which amortises the cycle's bookkeeping; 1 on a shared pool, so one busy session
     * cannot hold its thread while others wait).
     *
     * @return frames processed
     */
    int doWork() {
        counters.enterWorker();
        try {
            if (closing) {
                return 0;
            }
            Thread current = Thread.currentThread();
            if (workerThread != current) {
                workerThread = current;
            }
            if (resetsDone != resetRequests.get()) {
                performReset();
            }
            if (state != SessionState.RUNNING) {
                return 0;
            }
            int done = 0;
            while (done < maxBatch) {
                long now = clock.nanoTime();
                if (paceIntervalNanos > 0 && now - w.nextStartNanos < 0) {
                    break;
                }
                if (!ingress.poll(w.frame)) {
                    break;
                }
                if (paceIntervalNanos > 0) {
                    w.nextStartNanos = Math.max(w.nextStartNanos, now - paceIntervalNanos) + paceIntervalNanos;
                }
                counters.setOwned(IN_FLIGHT, 1);
                process(now);
                counters.setOwned(IN_FLIGHT, 0);
                done++;
                if (closing || state != SessionState.RUNNING || resetsDone != resetRequests.get()) {
                    break;
                }
            }
            ingress.flush();
            return done;
        } finally {
            if (counters.exitWorker() && closing && counters.noProducerInside()) {
                cleanup();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void process(long start) {
        InferenceResult<O> r = w.spare;
        if (r != null) {
            w.spare = null;
        } else {
            r = resultPool.poll();
        }
        if (r == null) {
            // every pooled result is held by consumers; grow once rather than lose the frame
            r = new InferenceResult<>(task.newOutput(), resultPool);
        }
        r.claim();
        IngressSlot frame = w.frame;
        r.frameId = frame.frameId;
        r.captureNanos = frame.captureNanos;
        r.submitNanos = frame.submitNanos;
        r.startNanos = start;
        r.inferredNanos = 0;
        r.status = InferenceResult.Status.SUCCESS;
        r.failure = InferenceResult.Failure.NONE;
        r.error = null;
        I observation = (I) frame.observation;
        frame.observation = null;

        try {
            task.preprocess(observation, inputs);
        } catch (RuntimeException e) {
            r.preprocessedNanos = clock.nanoTime();
            counters.incrementOwned(FAILED_INPUT);
            publishFailure(r, InferenceResult.Failure.INVALID_INPUT, e);
            return;
        }
        long preprocessed = clock.nanoTime();
        r.preprocessedNanos = preprocessed;
        if (!task.ready()) {
            counters.incrementOwned(BUFFERED);
            recordStages(r, false);
            r.release();
            return;
        }

        try {
            model.run(inputs, outputs);
        } catch (RuntimeException e) {
            backendFailure(r, InferenceResult.Failure.BACKEND, e);
            return;
        }
        r.inferredNanos = clock.nanoTime();
        w.remoteNanos = model.lastRunRemoteNanos();
        for (int i = 0; i < stateOutputs.length; i++) {
            inputs[stateInputs[i]].copyFrom(outputs[stateOutputs[i]]);
        }
        try {
            task.decode(outputs, r.value());
        } catch (RuntimeException e) {
            backendFailure(r, InferenceResult.Failure.DECODE, e);
            return;
        }
        if (w.consecutiveFailures != 0) {
            w.consecutiveFailures = 0;
        }
        counters.incrementOwned(INFERRED);
        publish(r, true);
        recordStages(r, true);
    }

    /** Records a frame's stage latencies in one critical section. Successful frames only reach every stage. */
    private void recordStages(InferenceResult<O> r, boolean complete) {
        long token = latency.begin();
        latency.record(Stage.QUEUE_WAIT, r.startNanos - r.submitNanos);
        latency.record(Stage.PREPROCESS, r.preprocessedNanos - r.startNanos);
        if (complete) {
            latency.record(Stage.INFERENCE, r.inferredNanos - r.preprocessedNanos);
            latency.record(Stage.POSTPROCESS, r.publishedNanos - r.inferredNanos);
            latency.record(Stage.END_TO_END, r.publishedNanos - r.submitNanos);
            if (w.remoteNanos >= 0) {
                latency.record(Stage.NETWORK, w.remoteNanos);
            }
        }
        latency.end(token);
    }

    private void backendFailure(InferenceResult<O> r, InferenceResult.Failure kind, RuntimeException e) {
        counters.incrementOwned(FAILED_BACKEND);
        publishFailure(r, kind, e);
        if (++w.consecutiveFailures >= config.maxConsecutiveFailures()) {
            fail(new IllegalStateException("session '" + config.name() + "' failed after " + w.consecutiveFailures
                    + " consecutive backend failures; last: " + e, e));
        }
    }

    private void fail(Throwable cause) {
        if (state != SessionState.RUNNING) {
            return;
        }
        failureCause = cause;
        state = SessionState.FAILED;
        counters.addOwned(DROPPED_CLOSED, ingress.clear());
        safeError(-1, cause);
    }

    private void publishFailure(InferenceResult<O> r, InferenceResult.Failure kind, RuntimeException e) {
        r.status = InferenceResult.Status.FAILED;
        r.failure = kind;
        r.error = e;
        safeError(r.frameId, e);
        publish(r, false);
    }

    private void publish(InferenceResult<O> r, boolean success) {
        r.publishedNanos = clock.nanoTime();
        for (ResultListener<O> l : listeners) {
            try {
                l.onResult(r);
            } catch (RuntimeException e) {
                counters.incrementOwned(LISTENER_ERRORS);
                safeError(r.frameId, e);
            }
        }
        if (results != null) {
            r.retain();
            if (!results.offer(r)) {
                r.release();
                counters.incrementOwned(RESULTS_OVERFLOW);
            }
        }
        if (success) {
            counters.incrementOwned(EMITTED);
            // the worker's own reference moves into the mailbox; the mailbox keeps the result (and its fields)
            // until the worker's next publication replaces it
            InferenceResult<O> previous = latest.getAndSet(r);
            if (previous != null && previous.releaseToWorker()) {
                w.spare = previous;
            }
        } else {
            r.release();
        }
    }

    private void performReset() {
        long request = resetRequests.get();
        counters.addOwned(DROPPED_RESET, ingress.clear());
        for (int i : stateInputs) {
            inputs[i].zero();
        }
        try {
            task.reset();
        } catch (RuntimeException e) {
            safeError(-1, e);
        }
        if (rateLimiter != null) {
            rateLimiter.reset();
        }
        w.nextStartNanos = clock.nanoTime();
        w.consecutiveFailures = 0;
        if (state == SessionState.FAILED && !closing) {
            failureCause = null;
            state = SessionState.RUNNING;
        }
        resetsDone = request;
    }

    private void safeError(long frameId, Throwable t) {
        try {
            errorHandler.onError(config.name(), frameId, t);
        } catch (RuntimeException ignored) {
            // an error handler must not throw; nothing sensible is left to do with its failure
        }
    }

    // ---------------------------------------------------------------------------------------------- stats

    /** {@return a snapshot of counters, queue depths, rates and latencies; safe from any thread} */
    public SessionStats stats() {
        SessionCounters c = counters;
        long end = closing ? endNanos : clock.nanoTime();
        long runtime = Math.max(0, end - startNanos);
        long inferred = c.get(INFERRED);
        long queued = cleanedUp.get() ? 0 : ingress.size() + c.get(IN_FLIGHT);
        double actualFps = runtime == 0 ? 0 : inferred / (runtime / 1e9);
        Throwable cause = failureCause;
        return new SessionStats(config.name(), state, cause == null ? null : String.valueOf(cause.getMessage()),
                runtime, c.get(SUBMITTED), c.accepted(), inferred, c.get(BUFFERED), c.get(FAILED_INPUT),
                c.get(FAILED_BACKEND), c.get(DROPPED_REPLACED), c.get(DROPPED_RESET), c.get(DROPPED_CLOSED),
                c.get(REJECTED_FULL), c.get(REJECTED_CLOSED), c.get(RATE_LIMITED), queued, c.get(EMITTED),
                c.get(RESULTS_OVERFLOW), c.get(LISTENER_ERRORS), results == null ? 0 : results.size(),
                config.targetFps(), config.maxFps(), actualFps, latency.snapshot());
    }

    @Override
    public String toString() {
        return "StreamingInferenceSession[" + config.name() + ", " + state + ", " + model.modelName() + "]";
    }

    // ---------------------------------------------------------------------------------------------- builder

    /** The worker's own mutable state. */
    private static final class WorkerState<O> {
        final IngressSlot frame = new IngressSlot();
        /** A result the worker released from the mailbox and reuses for its next frame, skipping the pool. */
        InferenceResult<O> spare;
        long nextStartNanos;
        int consecutiveFailures;
        /** The last run's {@link LoadedModel#lastRunRemoteNanos()}: -1 for a model in this process. */
        long remoteNanos = -1;
    }

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

    /** Logs failures, at most one line per second per session, counting what it suppressed. */
    private static final class LoggingErrorHandler implements ErrorHandler {
        private long lastLogNanos = Long.MIN_VALUE;
        private long suppressed;

        @Override
        public void onError(String sessionName, long frameId, Throwable error) {
            long now = System.nanoTime();
            if (lastLogNanos != Long.MIN_VALUE && now - lastLogNanos < TimeUnit.SECONDS.toNanos(1)) {
                suppressed++;
                return;
            }
            lastLogNanos = now;
            long s = suppressed;
            suppressed = 0;
            LOG.warn("session '{}' frame {}: {}{}", sessionName, frameId, oneLine(error.toString(), MAX_LOGGED_CHARS),
                    s > 0 ? " (" + s + " similar errors suppressed)" : "");
        }
    }

    /** Longest error text logged; an error's message may quote what a client sent. */
    static final int MAX_LOGGED_CHARS = 500;

    /**
     * {@return the text on one line, cut at {@code max} characters}: control characters (line breaks included)
     * escaped, so that text a client put into an error message cannot forge or flood log lines
     */
    static String oneLine(String text, int max) {
        if (text == null) {
            return "null";
        }
        int n = Math.min(text.length(), max);
        StringBuilder b = new StringBuilder(n + 24);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == '\u2028' || c == '\u2029') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (text.length() > max) {
            b.append("...(").append(text.length()).append(" chars)");
        }
        return b.toString();
    }
}
