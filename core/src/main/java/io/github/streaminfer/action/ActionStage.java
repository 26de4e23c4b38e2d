package io.github.streaminfer.action;

import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.FloatVector;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The action stage a session runs after decode: a {@link ResultListener} that hands each decoded action or action
 * chunk ({@code horizon * dim} floats, row-major) to an {@link ActionController}, with the result's frame id and
 * capture time. Register it on the session:
 * <pre>{@code
 * builder(model, new PolicyTask(...)).listener(ActionStage.forChunks(controller))      // PolicyTask output
 * builder(model, FloatArrayTask.firstInputOutput()).listener(ActionStage.forVectors(controller))
 * }</pre>
 * Failed frames carry no action and are only counted; invalid actions are rejected by the controller (and count
 * toward its consecutive-invalid emergency stop).
 *
 * <p><b>Note:</b> runs on the session's worker (the controller's single producer); allocation-free.
 *
 * @param <O> the session's result value type
 * @since 0.1.0
 */
public final class ActionStage<O> implements ResultListener<O> {
    private final ActionController controller;
    private final boolean chunks;
    private final AtomicLong failedFrames = new AtomicLong();
    private volatile OfferStatus lastStatus;

    private ActionStage(ActionController controller, boolean chunks) {
        this.controller = Objects.requireNonNull(controller, "controller");
        this.chunks = chunks;
    }

    /**
     * {@return a stage for sessions whose results are {@link ActionChunk}s (the built-in policy task)}
     *
     * @param controller receives the actions
     */
    public static ActionStage<ActionChunk> forChunks(ActionController controller) {
        return new ActionStage<>(controller, true);
    }

    /**
     * {@return a stage for sessions whose results are flat {@link FloatVector}s}
     *
     * @param controller receives the actions
     */
    public static ActionStage<FloatVector> forVectors(ActionController controller) {
        return new ActionStage<>(controller, false);
    }

    /**
     * Hands a policy's decoded chunk (what {@link io.github.streaminfer.task.PolicyTask} produces) to a controller:
     * a chunk whose action dimension differs from the controller's is rejected as
     * {@link OfferStatus#REJECTED_DIMENSION}, any other goes to
     * {@link ActionController#offer(float[], int, int, long, long)}.
     *
     * <p><b>Note:</b> the controller's producer thread only, like {@code offer}.
     *
     * @param controller   receives the chunk
     * @param chunk        the chunk (copied)
     * @param frameId      source frame id
     * @param captureNanos capture time of the source observation
     * @return the status
     */
    public static OfferStatus offer(ActionController controller, ActionChunk chunk, long frameId, long captureNanos) {
        if (chunk.dim() != controller.config().dim()) {
            return controller.reject(Intervention.DIMENSION);
        }
        return controller.offer(chunk.array(), 0, chunk.horizon() * chunk.dim(), frameId, captureNanos);
    }

    @Override
    public void onResult(InferenceResult<O> result) {
        if (!result.isSuccess()) {
            failedFrames.setRelease(failedFrames.getPlain() + 1);
            return;
        }
        Object v = result.value();
        if (chunks) {
            lastStatus = offer(controller, (ActionChunk) v, result.frameId(), result.captureNanos());
        } else {
            FloatVector f = (FloatVector) v;
            lastStatus = controller.offer(f.array(), 0, f.length(), result.frameId(), result.captureNanos());
        }
    }

    /** {@return frames that failed before producing an action} */
    public long failedFrames() {
        return failedFrames.get();
    }

    /** {@return the status of the last offered action, or null before the first} */
    public OfferStatus lastStatus() {
        return lastStatus;
    }

    /** {@return the controller} */
    public ActionController controller() {
        return controller;
    }
}
