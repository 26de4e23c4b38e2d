package io.github.streaminfer.action;

import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.task.FloatVector;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The action stage a session runs after decode: a {@link ResultListener} that hands each decoded action or action
 * chunk ({@code horizon * dim} floats, row-major) to an {@link ActionController}, with the result's frame id and
 * capture time. Register it with {@code StreamingInferenceSession.builder(...).listener(new ActionStage(ctl))}.
 * Failed frames carry no action and are only counted; invalid actions are rejected by the controller (and count
 * toward its consecutive-invalid emergency stop).
 *
 * <p><b>Note:</b> runs on the session's worker (the controller's single producer); allocation-free.
 */
public final class ActionStage implements ResultListener<FloatVector> {
    private final ActionController controller;
    private final AtomicLong failedFrames = new AtomicLong();
    private volatile OfferStatus lastStatus;

    /** @param controller receives the actions */
    public ActionStage(ActionController controller) {
        this.controller = java.util.Objects.requireNonNull(controller, "controller");
    }

    @Override
    public void onResult(InferenceResult<FloatVector> result) {
        if (!result.isSuccess()) {
            failedFrames.setRelease(failedFrames.getPlain() + 1);
            return;
        }
        FloatVector v = result.value();
        lastStatus = controller.offer(v.array(), 0, v.length(), result.frameId(), result.captureNanos());
    }

    /** @return frames that failed before producing an action */
    public long failedFrames() {
        return failedFrames.get();
    }

    /** @return the status of the last offered action, or null before the first */
    public OfferStatus lastStatus() {
        return lastStatus;
    }

    /** @return the controller */
    public ActionController controller() {
        return controller;
    }
}
