package io.github.streaminfer.session;

import io.github.streaminfer.concurrent.IdleStrategy;

import java.time.Duration;
import java.util.Objects;

/**
 * How a session queues, paces and reports. Immutable; start from {@link #DEFAULT} and change fields with
 * {@link #toBuilder()}.
 *
 * @param name                   name used in thread names, messages and metrics
 * @param ingress                queue behaviour when frames arrive faster than the model runs
 * @param producerMode           one or many submitting threads
 * @param ingressQueueType       queue implementation (JCTools unless benchmarking)
 * @param targetFps              inference pace: the worker starts at most this many inferences per second
 *                               (0 = as fast as frames arrive)
 * @param maxFps                 hard admission limit: frames beyond it are {@link SubmitStatus#RATE_LIMITED}
 *                               (0 = unlimited)
 * @param resultsCapacity        size of the results ring read with {@code pollResult}/{@code drainResults}
 *                               (0 = no ring; listeners and the latest mailbox still work; {@link #RESULTS_AUTO},
 *                               the default = {@value #RESULTS_AUTO_CAPACITY} for a session without listeners and no
 *                               ring for one with listeners, so a listener-only session never fills a ring nobody
 *                               polls, nor counts its overflow)
 * @param maxConsecutiveFailures backend failures in a row after which the session becomes
 *                               {@link SessionState#FAILED}
 * @param idleStrategy           what a dedicated worker does when there is no frame (default
 *                               {@link IdleStrategy#parking()}: sleeps until a frame, a reset or a close wakes it;
 *                               a {@link WorkerPool}'s threads use the pool's own strategy)
 * @param closeTimeout           how long {@code close()} waits for the queued frames to be inferred, and then for an
 *                               inference in progress
 * @param warmupIterations       runs on the session's own tensors before it accepts frames: whole-path runs of the
 *                               builder's {@code warmupObservation} if it has one, else model runs on inputs that
 *                               are zero except what
 *                               {@link io.github.streaminfer.task.InferenceTask#prepareWarmup} sets; never counted
 *                               in the session's statistics
 * @since 0.1.0
 */
public record SessionConfig(String name, IngressPolicy ingress, ProducerMode producerMode,
                            IngressQueueType ingressQueueType, double targetFps, double maxFps, int resultsCapacity,
                            int maxConsecutiveFailures, IdleStrategy idleStrategy, Duration closeTimeout,
                            int warmupIterations) {

    /**
     * The {@code resultsCapacity} that sizes the ring by use: {@value #RESULTS_AUTO_CAPACITY} results when the session
     * has no listener (its results are polled), none when it has one (its results are pushed).
     *
     * @since 0.1.0
     */
    public static final int RESULTS_AUTO = -1;

    /** The ring size {@link #RESULTS_AUTO} gives a session without listeners. */
    public static final int RESULTS_AUTO_CAPACITY = 64;

    /**
     * LATEST_ONLY, multi-producer, unpaced, unlimited, a results ring only without listeners
     * ({@link #RESULTS_AUTO}), fails after 10 failures in a row, and a worker that
     * sleeps while idle.
     */
    public static final SessionConfig DEFAULT = builder().build();

    /**
     * Validates.
     *
     * @param name                   see the class description
     * @param ingress                see the class description
     * @param producerMode           see the class description
     * @param ingressQueueType       see the class description
     * @param targetFps              see the class description
     * @param maxFps                 see the class description
     * @param resultsCapacity        see the class description
     * @param maxConsecutiveFailures see the class description
     * @param idleStrategy           see the class description
     * @param closeTimeout           see the class description
     * @param warmupIterations       see the class description
     */
    public SessionConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ingress, "ingress");
        Objects.requireNonNull(producerMode, "producerMode");
        Objects.requireNonNull(ingressQueueType, "ingressQueueType");
        Objects.requireNonNull(idleStrategy, "idleStrategy");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name is blank; give the session a name for threads and metrics");
        }
        if (!(targetFps >= 0) || Double.isInfinite(targetFps)) {
            throw new IllegalArgumentException("targetFps is " + targetFps + "; allowed: 0 (unpaced) or a finite rate > 0");
        }
        if (!(maxFps >= 0) || Double.isInfinite(maxFps)) {
            throw new IllegalArgumentException("maxFps is " + maxFps + "; allowed: 0 (unlimited) or a finite rate > 0");
        }
        if (maxFps > 0 && targetFps > maxFps) {
            throw new IllegalArgumentException("targetFps " + targetFps + " exceeds maxFps " + maxFps
                    + "; allowed: targetFps <= maxFps");
        }
        if (resultsCapacity < RESULTS_AUTO || resultsCapacity > (1 << 20)) {
            throw new IllegalArgumentException("resultsCapacity is " + resultsCapacity + "; allowed: 0 to " + (1 << 20)
                    + ", or RESULTS_AUTO (-1)");
        }
        if (maxConsecutiveFailures < 1) {
            throw new IllegalArgumentException("maxConsecutiveFailures is " + maxConsecutiveFailures + "; allowed: >= 1");
        }
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout is " + closeTimeout + "; allowed: >= 0");
        }
        if (warmupIterations < 0) {
            throw new IllegalArgumentException("warmupIterations is " + warmupIterations + "; allowed: >= 0");
        }
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        return new Builder().name(name).ingress(ingress).producerMode(producerMode).ingressQueueType(ingressQueueType)
                .targetFps(targetFps).maxFps(maxFps).resultsCapacity(resultsCapacity)
                .maxConsecutiveFailures(maxConsecutiveFailures).idleStrategy(idleStrategy).closeTimeout(closeTimeout)
                .warmupIterations(warmupIterations);
    }

    /** Builder for {@link SessionConfig}; {@link #build()} validates. */
    public static final class Builder {
        private String name = "session";
        private IngressPolicy ingress = IngressPolicy.LATEST_ONLY;
        private ProducerMode producerMode = ProducerMode.MULTI;
        private IngressQueueType ingressQueueType = IngressQueueType.JCTOOLS;
        private double targetFps;
        private double maxFps;
        private int resultsCapacity = RESULTS_AUTO;
        private int maxConsecutiveFailures = 10;
        private IdleStrategy idleStrategy = IdleStrategy.parking();
        private Duration closeTimeout = Duration.ofSeconds(5);
        private int warmupIterations;

        private Builder() {
        }

        /**
         * Sets {@code name}.
         *
         * @param name session name
         * @return this
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets {@code ingress}.
         *
         * @param ingress queue policy
         * @return this
         */
        public Builder ingress(IngressPolicy ingress) {
            this.ingress = ingress;
            return this;
        }

        /**
         * Sets {@code producerMode}.
         *
         * @param producerMode one or many submitting threads
         * @return this
         */
        public Builder producerMode(ProducerMode producerMode) {
            this.producerMode = producerMode;
            return this;
        }

        /**
         * Sets {@code ingressQueueType}.
         *
         * @param type queue implementation
         * @return this
         */
        public Builder ingressQueueType(IngressQueueType type) {
            this.ingressQueueType = type;
            return this;
        }

        /**
         * Sets {@code targetFps}.
         *
         * @param fps inference pace, 0 for none
         * @return this
         */
        public Builder targetFps(double fps) {
            this.targetFps = fps;
            return this;
        }

        /**
         * Sets {@code maxFps}.
         *
         * @param fps admission limit, 0 for none
         * @return this
         */
        public Builder maxFps(double fps) {
            this.maxFps = fps;
            return this;
        }

        /**
         * Sets {@code resultsCapacity}.
         *
         * @param capacity results ring size, 0 for none, {@link #RESULTS_AUTO} to size it by use
         * @return this
         */
        public Builder resultsCapacity(int capacity) {
            this.resultsCapacity = capacity;
            return this;
        }

        /**
         * Sets {@code maxConsecutiveFailures}.
         *
         * @param failures backend failures in a row before {@link SessionState#FAILED}
         * @return this
         */
        public Builder maxConsecutiveFailures(int failures) {
            this.maxConsecutiveFailures = failures;
            return this;
        }

        /**
         * Sets {@code idleStrategy}.
         *
         * @param idleStrategy idle strategy of a dedicated worker; busy-spin and yielding only for a worker that owns
         *                     a dedicated core
         * @return this
         */
        public Builder idleStrategy(IdleStrategy idleStrategy) {
            this.idleStrategy = idleStrategy;
            return this;
        }

        /**
         * Sets {@code closeTimeout}.
         *
         * @param timeout how long close waits for an inference in progress
         * @return this
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Sets {@code warmupIterations}.
         *
         * @param iterations warm-up runs before the session starts
         * @return this
         */
        public Builder warmupIterations(int iterations) {
            this.warmupIterations = iterations;
            return this;
        }

        /** {@return the validated configuration} */
        public SessionConfig build() {
            return new SessionConfig(name, ingress, producerMode, ingressQueueType, targetFps, maxFps, resultsCapacity,
                    maxConsecutiveFailures, idleStrategy, closeTimeout, warmupIterations);
        }
    }
}
