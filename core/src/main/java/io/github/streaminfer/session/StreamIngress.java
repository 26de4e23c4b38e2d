package io.github.streaminfer.session;

import io.github.streaminfer.task.InferenceTask;

/**
 * Chooses the ingress of a session whose task consumes one continuous stream ({@link InferenceTask#streamContinuous()}):
 * such a task must see every frame, in order, so a policy that replaces or drops frames silently is refused, and the
 * default {@link IngressPolicy#LATEST_ONLY} becomes {@link #CONTINUOUS_DEFAULT}.
 *
 * <p><b>Note:</b> stateless; called once per session while it is built.
 */
final class StreamIngress {
    /**
     * The ingress a continuous-stream task gets instead of {@code LATEST_ONLY}: as non-blocking for the producer as
     * {@code LATEST_ONLY}, but a frame that does not fit is refused ({@link SubmitStatus#REJECTED_FULL}), never
     * replaced. 1024 frames hold seconds of a signal at the usual block rates.
     */
    static final IngressPolicy CONTINUOUS_DEFAULT = IngressPolicy.rejectNewest(1024);

    private StreamIngress() {
    }

    /**
     * {@return the configuration the session runs with}
     *
     * @param task       the session's task
     * @param config     the configuration the builder was given
     * @param allowLossy the builder's {@code allowLossyIngress} flag
     * @throws IllegalArgumentException for a lossy policy on a continuous-stream task without {@code allowLossy}
     */
    static SessionConfig resolve(InferenceTask<?, ?> task, SessionConfig config, boolean allowLossy) {
        if (allowLossy || !task.streamContinuous()) {
            return config;
        }
        IngressPolicy in = config.ingress();
        switch (in.kind()) {
            case LATEST_ONLY:
                return config.toBuilder().ingress(CONTINUOUS_DEFAULT).build();
            case DROP_OLDEST:
                throw new IllegalArgumentException("ingress is " + in + " for " + task.getClass().getSimpleName()
                        + ", whose frames are consecutive parts of one stream: a dropped frame corrupts every window it "
                        + "belongs to; allowed: IngressPolicy.rejectNewest(n) (a full queue refuses the new frame), "
                        + "IngressPolicy.block(n) (the producer waits), or allowLossyIngress(true) on the session "
                        + "builder if losing frames is intended");
            default:
                return config;
        }
    }
}
