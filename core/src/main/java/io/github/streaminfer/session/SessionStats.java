package io.github.streaminfer.session;

import java.util.Map;

/**
 * A snapshot of a session's counters, queue depths, rates and latencies. Taking one is safe from any thread.
 *
 * <p>The counters account for every submitted frame:
 * <pre>submitted = inferred + buffered + failed + dropped + rejected + rateLimited + queued</pre>
 * This holds exactly whenever no {@code submit} call and no inference is in progress (for example after producers
 * stop and the queue drains, or after {@code close()}); while frames are moving, a snapshot may catch a frame
 * between two counters.
 *
 * @param name             session name
 * @param state            lifecycle state
 * @param failureCause     why the session failed, or null
 * @param runtimeNanos     time since the session started
 * @param submitted        calls to {@code submit}
 * @param accepted         frames queued ({@code ACCEPTED} or {@code REPLACED_OLDEST})
 * @param inferred         frames the model ran on successfully
 * @param buffered         frames a windowed task absorbed without running the model
 * @param failedInput      frames rejected by the task's preprocess
 * @param failedBackend    frames whose backend run or decode failed
 * @param droppedReplaced  queued frames replaced by newer ones (conflation, drop-oldest)
 * @param droppedReset     queued frames discarded by {@code reset()}
 * @param droppedClosed    queued frames discarded by {@code close()} or failure
 * @param rejectedFull     frames refused because the queue was full
 * @param rejectedClosed   frames refused because the session was closed or failed
 * @param rateLimited      frames refused by {@code maxFps}
 * @param queued           frames waiting or being inferred now
 * @param emitted          successful results published
 * @param resultsOverflow  results not put in the ring because its consumer fell behind
 * @param listenerErrors   exceptions thrown by listeners
 * @param resultsQueued    results waiting in the ring
 * @param targetFps        configured pace
 * @param maxFps           configured limit
 * @param actualFps        inferred frames per second of runtime
 * @param latencies        latency per stage
 * @since 0.1.0
 */
public record SessionStats(String name, SessionState state, String failureCause, long runtimeNanos, long submitted,
                           long accepted, long inferred, long buffered, long failedInput, long failedBackend,
                           long droppedReplaced, long droppedReset, long droppedClosed, long rejectedFull,
                           long rejectedClosed, long rateLimited, long queued, long emitted, long resultsOverflow,
                           long listenerErrors, int resultsQueued, double targetFps, double maxFps, double actualFps,
                           Map<Stage, LatencySnapshot> latencies) {

    /**
     * Creates a snapshot; sessions build these, users read them.
     *
     * @param name see the class description
     * @param state see the class description
     * @param failureCause see the class description
     * @param runtimeNanos see the class description
     * @param submitted see the class description
     * @param accepted see the class description
     * @param inferred see the class description
     * @param buffered see the class description
     * @param failedInput see the class description
     * @param failedBackend see the class description
     * @param droppedReplaced see the class description
     * @param droppedReset see the class description
     * @param droppedClosed see the class description
     * @param rejectedFull see the class description
     * @param rejectedClosed see the class description
     * @param rateLimited see the class description
     * @param queued see the class description
     * @param emitted see the class description
     * @param resultsOverflow see the class description
     * @param listenerErrors see the class description
     * @param resultsQueued see the class description
     * @param targetFps see the class description
     * @param maxFps see the class description
     * @param actualFps see the class description
     * @param latencies see the class description
     */
    public SessionStats {
        latencies = Map.copyOf(latencies);
    }

    /** {@return failed frames of any kind} */
    public long failed() {
        return failedInput + failedBackend;
    }

    /** {@return queued frames discarded for any reason} */
    public long dropped() {
        return droppedReplaced + droppedReset + droppedClosed;
    }

    /** {@return frames refused at submit (full or closed); rate-limited frames are counted apart} */
    public long rejected() {
        return rejectedFull + rejectedClosed;
    }

    /** {@return true if {@code submitted} equals the sum of where every frame went} */
    public boolean isBalanced() {
        return submitted == inferred + buffered + failed() + dropped() + rejected() + rateLimited + queued;
    }

    /** {@return percentage of submitted frames that were not inferred because of drops, rejections or rate limits} */
    public double dropRatePercent() {
        return submitted == 0 ? 0 : 100.0 * (dropped() + rejected() + rateLimited) / submitted;
    }

    /** {@return runtime in seconds} */
    public double runtimeSeconds() {
        return runtimeNanos / 1e9;
    }

    /**
     * {@return its latency distribution}
     *
     * @param stage a stage
     */
    public LatencySnapshot latency(Stage stage) {
        return latencies.getOrDefault(stage, LatencySnapshot.EMPTY);
    }
}
