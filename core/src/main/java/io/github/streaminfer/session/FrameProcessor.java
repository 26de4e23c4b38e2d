package io.github.streaminfer.session;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.time.NanoClock;

import static io.github.streaminfer.session.SessionCounters.BUFFERED;
import static io.github.streaminfer.session.SessionCounters.FAILED_BACKEND;
import static io.github.streaminfer.session.SessionCounters.FAILED_INPUT;
import static io.github.streaminfer.session.SessionCounters.INFERRED;

/**
 * Takes one frame through a session: the task's preprocessing into the input tensors, the model's run, the
 * recurrent state fed back, the task's decoding into a pooled result, its publication and its stage latencies. A
 * frame that fails becomes a failed result; after {@link SessionConfig#maxConsecutiveFailures()} backend failures
 * in a row the session {@linkplain SessionLifecycle#fail fails}.
 *
 * <p><b>Note:</b> worker-confined: runs on the session's worker only. {@link #process} allocates nothing in steady
 * state and takes no lock.
 *
 * @param <I> observation type
 * @param <O> result value type
 */
final class FrameProcessor<I, O> {
    private final SessionConfig config;
    private final LoadedModel model;
    private final InferenceTask<I, O> task;
    private final NanoClock clock;
    private final SessionCounters counters;
    private final LatencyRecorder latency;
    private final ModelTensors tensors;
    private final Tensor[] inputs;
    private final Tensor[] outputs;
    private final ResultDelivery<O> delivery;
    private final ErrorReporter errors;
    private final SessionLifecycle lifecycle;

    private int consecutiveFailures;
    /** The last run's {@link LoadedModel#lastRunRemoteNanos()}: -1 for a model in this process. */
    private long remoteNanos = -1;

    FrameProcessor(SessionConfig config, LoadedModel model, InferenceTask<I, O> task, NanoClock clock,
                   SessionCounters counters, LatencyRecorder latency, ModelTensors tensors,
                   ResultDelivery<O> delivery, ErrorReporter errors, SessionLifecycle lifecycle) {
        this.config = config;
        this.model = model;
        this.task = task;
        this.clock = clock;
        this.counters = counters;
        this.latency = latency;
        this.tensors = tensors;
        this.inputs = tensors.inputs;
        this.outputs = tensors.outputs;
        this.delivery = delivery;
        this.errors = errors;
        this.lifecycle = lifecycle;
    }

    /**
     * Infers one frame and publishes its result.
     *
     * @param frame the frame taken from the ingress; its observation reference is cleared
     * @param start when the worker took it
     */
    @SuppressWarnings("unchecked")
    void process(IngressSlot frame, long start) {
        InferenceResult<O> r = delivery.claim();
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
        remoteNanos = model.lastRunRemoteNanos();
        tensors.feedBackState();
        try {
            task.decode(outputs, r.value());
        } catch (RuntimeException e) {
            backendFailure(r, InferenceResult.Failure.DECODE, e);
            return;
        }
        if (consecutiveFailures != 0) {
            consecutiveFailures = 0;
        }
        counters.incrementOwned(INFERRED);
        publish(r, true);
        recordStages(r, true);
    }

    /** Zeroes the recurrent state, resets the task's per-stream state and forgets earlier backend failures. */
    void resetState() {
        tensors.zeroState();
        try {
            task.reset();
        } catch (RuntimeException e) {
            errors.report(-1, e);
        }
        consecutiveFailures = 0;
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
            if (remoteNanos >= 0) {
                latency.record(Stage.NETWORK, remoteNanos);
            }
        }
        latency.end(token);
    }

    private void backendFailure(InferenceResult<O> r, InferenceResult.Failure kind, RuntimeException e) {
        counters.incrementOwned(FAILED_BACKEND);
        publishFailure(r, kind, e);
        if (++consecutiveFailures >= config.maxConsecutiveFailures()) {
            lifecycle.fail(new IllegalStateException("session '" + config.name() + "' failed after "
                    + consecutiveFailures + " consecutive backend failures; last: " + e, e));
        }
    }

    private void publishFailure(InferenceResult<O> r, InferenceResult.Failure kind, RuntimeException e) {
        r.status = InferenceResult.Status.FAILED;
        r.failure = kind;
        r.error = e;
        errors.report(r.frameId, e);
        publish(r, false);
    }

    private void publish(InferenceResult<O> r, boolean success) {
        r.publishedNanos = clock.nanoTime();
        delivery.publish(r, success);
    }
}
