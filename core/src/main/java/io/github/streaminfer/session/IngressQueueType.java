package io.github.streaminfer.session;

/**
 * Which queue implementation backs a bounded ingress. {@link #JCTOOLS} is the default and the one to use;
 * {@link #JDK_ARRAY_BLOCKING} exists as the baseline that benchmarks compare against.
 *
 * @since 0.1.0
 */
public enum IngressQueueType {
    /** Lock-free JCTools array queues chosen per policy and producer mode. */
    JCTOOLS,
    /** {@link java.util.concurrent.ArrayBlockingQueue} (one lock), for comparison. */
    JDK_ARRAY_BLOCKING
}
