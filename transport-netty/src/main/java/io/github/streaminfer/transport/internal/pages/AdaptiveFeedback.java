package io.github.streaminfer.transport.internal.pages;

import java.util.Arrays;

/**
 * The real-time YOLO seed's adaptive streaming, decided by the server: from the latencies it measured, the frames it
 * dropped and the frames still waiting for a reply (queue depth), it recommends the fps and JPEG quality a camera
 * should send at. Every {@link #EVALUATION_NANOS} it looks at what happened since the last look: over budget (90th
 * percentile latency above the target, a dropped frame, or more than {@link #MAX_PENDING} frames waiting), it cuts fps
 * to 60 % and quality by 0.1; well under budget (latency under half the target, nothing dropped, at most one frame
 * waiting), it raises fps by a quarter (at least 1) and quality by 0.05; in between it holds. Both stay within the
 * bounds.
 *
 * <p><b>Note:</b> single-threaded: one instance per camera connection, used on its event loop.
 */
public final class AdaptiveFeedback {
    /** Minimum time between two decisions, ns. */
    public static final long EVALUATION_NANOS = 500_000_000L;
    /** Frames waiting for a reply above which the server is behind. */
    public static final int MAX_PENDING = 2;

    private final double minFps;
    private final double maxFps;
    private final double minQuality;
    private final double maxQuality;
    private final double targetLatencyMs;
    private final double[] window = new double[256];
    private int samples;
    private int drops;
    private long lastEvaluation;
    private volatile double fps;
    private volatile double quality;
    private String reason = "initial";

    /**
     * @param minFps          lowest recommended fps
     * @param maxFps          highest recommended fps, also the first recommendation
     * @param minQuality      lowest JPEG quality in (0, 1]
     * @param maxQuality      highest JPEG quality, the first recommendation is 0.8 within the bounds
     * @param targetLatencyMs the latency budget
     * @param nowNanos        the monotonic time now
     */
    public AdaptiveFeedback(double minFps, double maxFps, double minQuality, double maxQuality,
                            double targetLatencyMs, long nowNanos) {
        if (!(minFps > 0) || !(maxFps >= minFps)) {
            throw new IllegalArgumentException("fps bounds are " + minFps + ".." + maxFps + "; allowed: 0 < min <= max");
        }
        if (!(minQuality > 0) || !(maxQuality >= minQuality) || maxQuality > 1) {
            throw new IllegalArgumentException("quality bounds are " + minQuality + ".." + maxQuality
                    + "; allowed: 0 < min <= max <= 1");
        }
        if (!(targetLatencyMs > 0)) {
            throw new IllegalArgumentException("targetLatencyMs is " + targetLatencyMs + "; allowed: > 0");
        }
        this.minFps = minFps;
        this.maxFps = maxFps;
        this.minQuality = minQuality;
        this.maxQuality = maxQuality;
        this.targetLatencyMs = targetLatencyMs;
        this.fps = maxFps;
        this.quality = Math.max(minQuality, Math.min(maxQuality, 0.8));
        this.lastEvaluation = nowNanos;
    }

    /** @param latencyMs the server-measured latency of one answered frame */
    public void result(double latencyMs) {
        if (samples < window.length) {
            window[samples++] = latencyMs;
        } else {
            window[(int) (Double.doubleToRawLongBits(latencyMs) & (window.length - 1))] = latencyMs;
        }
    }

    /** Counts a frame the server dropped (queue full, superseded, rate limited). */
    public void drop() {
        drops++;
    }

    /**
     * Decides, at most once per {@link #EVALUATION_NANOS}.
     *
     * @param nowNanos the monotonic time now
     * @param pending  frames sent and not yet answered
     * @return true if the recommendation changed (read it with {@link #fps()}, {@link #quality()}, {@link #reason()})
     */
    public boolean evaluate(long nowNanos, int pending) {
        if (nowNanos - lastEvaluation < EVALUATION_NANOS) {
            return false;
        }
        lastEvaluation = nowNanos;
        double p90 = p90();
        int n = samples;
        int d = drops;
        samples = 0;
        drops = 0;
        double oldFps = fps;
        double oldQuality = quality;
        if (p90 > targetLatencyMs || d > 0 || pending > MAX_PENDING || (n == 0 && pending > 0)) {
            fps = Math.max(minFps, round(fps * 0.6));
            quality = Math.max(minQuality, round(quality - 0.1));
            reason = "over budget: p90 latency " + round(p90) + " ms (target " + round(targetLatencyMs) + "), "
                    + d + " dropped, " + pending + " waiting";
        } else if (n > 0 && p90 < targetLatencyMs / 2 && pending <= 1) {
            fps = Math.min(maxFps, round(fps + Math.max(1, fps * 0.25)));
            quality = Math.min(maxQuality, round(quality + 0.05));
            reason = "headroom: p90 latency " + round(p90) + " ms (target " + round(targetLatencyMs) + "), "
                    + pending + " waiting";
        }
        return fps != oldFps || quality != oldQuality;
    }

    private double p90() {
        if (samples == 0) {
            return 0;
        }
        double[] s = Arrays.copyOf(window, samples);
        Arrays.sort(s);
        return s[Math.min(samples - 1, (int) Math.ceil(samples * 0.9) - 1)];
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** {@return the recommended fps} */
    public double fps() {
        return fps;
    }

    /** {@return the recommended JPEG quality in (0, 1]} */
    public double quality() {
        return quality;
    }

    /** {@return why the last recommendation was made} */
    public String reason() {
        return reason;
    }

    /** {@return the latency budget, ms} */
    public double targetLatencyMs() {
        return targetLatencyMs;
    }
}
