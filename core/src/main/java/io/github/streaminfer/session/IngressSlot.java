package io.github.streaminfer.session;

/** A pre-allocated ingress entry. Fields are written by one producer before publication and read by the worker. */
final class IngressSlot {
    Object observation;
    long frameId;
    long captureNanos;
    long submitNanos;

    void set(Object observation, long frameId, long captureNanos, long submitNanos) {
        this.observation = observation;
        this.frameId = frameId;
        this.captureNanos = captureNanos;
        this.submitNanos = submitNanos;
    }

    /** Copies this slot into the worker's frame and clears the observation reference. */
    void moveTo(IngressSlot dst) {
        dst.observation = observation;
        dst.frameId = frameId;
        dst.captureNanos = captureNanos;
        dst.submitNanos = submitNanos;
        observation = null;
    }
}
