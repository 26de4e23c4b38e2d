package io.github.streaminfer.samples.stats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;

/**
 * A stream's statistics as the generated-frame seed's client reports them, with its three real-time verdicts: frame
 * rate at least {@value #MIN_FPS} fps, first frame within {@value #MAX_FIRST_FRAME_SECONDS} s, mean frame interval
 * at most {@value #MAX_MEAN_INTERVAL_MS} ms. Undefined values (no frame, one frame) are NaN and fail their verdict.
 *
 * @param frames               frames received
 * @param durationSeconds      start to last frame (or to now, without frames)
 * @param firstFrameSeconds    start to first frame
 * @param averageFps           frames per second between the first and the last frame
 * @param totalBytes           bytes received in frames
 * @param averageFrameBytes    mean frame size
 * @param bandwidthMbps        megabits per second between the first and the last frame
 * @param intervals            number of intervals ({@code frames - 1})
 * @param intervalMeanMs       mean interval between consecutive frames
 * @param intervalMedianMs     median interval
 * @param intervalStdMs        standard deviation of the intervals (population)
 * @param intervalMinMs        shortest interval
 * @param intervalMaxMs        longest interval
 */
public record StatsSummary(int frames, double durationSeconds, double firstFrameSeconds, double averageFps,
                           long totalBytes, double averageFrameBytes, double bandwidthMbps, int intervals,
                           double intervalMeanMs, double intervalMedianMs, double intervalStdMs,
                           double intervalMinMs, double intervalMaxMs) {

    /** The seed's real-time frame rate. */
    public static final double MIN_FPS = 22.5;
    /** The seed's acceptable time to first frame. */
    public static final double MAX_FIRST_FRAME_SECONDS = 3.0;
    /** The seed's consistent mean frame interval. */
    public static final double MAX_MEAN_INTERVAL_MS = 60.0;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@return whether the frame rate is at least {@value #MIN_FPS} fps} */
    public boolean fpsOk() {
        return averageFps >= MIN_FPS;
    }

    /** {@return whether the first frame came within {@value #MAX_FIRST_FRAME_SECONDS} s} */
    public boolean firstFrameOk() {
        return firstFrameSeconds <= MAX_FIRST_FRAME_SECONDS;
    }

    /** {@return whether the mean interval is at most {@value #MAX_MEAN_INTERVAL_MS} ms} */
    public boolean intervalsOk() {
        return intervalMeanMs <= MAX_MEAN_INTERVAL_MS;
    }

    /** {@return whether all three verdicts pass} */
    public boolean realTime() {
        return fpsOk() && firstFrameOk() && intervalsOk();
    }

    /** {@return one line for live reporting} */
    public String liveLine() {
        return "frames " + frames + "  fps " + fixed(averageFps, 1) + "  first frame " + seconds(firstFrameSeconds)
                + "  interval mean " + fixed(intervalMeanMs, 1) + " ms  max " + fixed(intervalMaxMs, 1) + " ms  "
                + fixed(bandwidthMbps, 2) + " Mbps";
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.2fs", s);
    }

    /**
     * {@return the seed's end-of-stream report}
     *
     * @param title the stream's name, shown in the header
     */
    public String report(String title) {
        String rule = "=".repeat(70);
        StringBuilder sb = new StringBuilder();
        sb.append(rule).append('\n').append("STREAMING CLIENT STATISTICS  ").append(title).append('\n').append(rule)
                .append('\n');
        sb.append(String.format(Locale.ROOT, "Total Frames Received: %d%n", frames));
        sb.append(String.format(Locale.ROOT, "Total Duration: %.2fs%n", durationSeconds));
        sb.append(String.format(Locale.ROOT, "Streaming Latency: %s (time to first frame)%n",
                seconds(firstFrameSeconds)));
        sb.append(String.format(Locale.ROOT, "Average FPS: %.1f%n", averageFps));
        sb.append(String.format(Locale.ROOT, "Total Data: %.2f MB%n", totalBytes / 1e6));
        sb.append(String.format(Locale.ROOT, "Average Frame Size: %.1f KB%n", averageFrameBytes / 1e3));
        sb.append(String.format(Locale.ROOT, "Bandwidth: %.2f Mbps%n%n", bandwidthMbps));
        sb.append("FRAME INTERVALS:\n");
        sb.append(String.format(Locale.ROOT, "  Count: %d%n  Mean: %.1fms%n  Median: %.1fms%n  Std Dev: %.1fms%n"
                + "  Min: %.1fms%n  Max: %.1fms%n%n", intervals, intervalMeanMs, intervalMedianMs, intervalStdMs,
                intervalMinMs, intervalMaxMs));
        sb.append("REAL-TIME SUITABILITY:\n");
        sb.append(verdict(fpsOk(), String.format(Locale.ROOT, "Frame rate %s for real-time (%.1f %s %.1f FPS)",
                fpsOk() ? "suitable" : "too low", averageFps, fpsOk() ? ">=" : "<", MIN_FPS)));
        sb.append(verdict(firstFrameOk(), String.format(Locale.ROOT, "Streaming latency %s (%s %s %.1fs)",
                firstFrameOk() ? "acceptable" : "too high", seconds(firstFrameSeconds),
                firstFrameOk() ? "<=" : ">", MAX_FIRST_FRAME_SECONDS)));
        sb.append(verdict(intervalsOk(), String.format(Locale.ROOT, "Frame intervals %s (%.1fms %s %.1fms)",
                intervalsOk() ? "consistent" : "too long", intervalMeanMs, intervalsOk() ? "<=" : ">",
                MAX_MEAN_INTERVAL_MS)));
        return sb.append(rule).append('\n').toString();
    }

    private static String verdict(boolean ok, String text) {
        return (ok ? "PASS " : "FAIL ") + text + '\n';
    }

    /** {@return the summary and its verdicts as a JSON object, NaN written as null} */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("frames", frames);
        num(o, "duration_seconds", durationSeconds);
        num(o, "time_to_first_frame_seconds", firstFrameSeconds);
        num(o, "average_fps", averageFps);
        o.put("total_bytes", totalBytes);
        num(o, "average_frame_bytes", averageFrameBytes);
        num(o, "bandwidth_mbps", bandwidthMbps);
        ObjectNode iv = o.putObject("intervals_ms");
        iv.put("count", intervals);
        num(iv, "mean", intervalMeanMs);
        num(iv, "median", intervalMedianMs);
        num(iv, "std", intervalStdMs);
        num(iv, "min", intervalMinMs);
        num(iv, "max", intervalMaxMs);
        ObjectNode v = o.putObject("verdicts");
        v.put("fps_ok", fpsOk());
        v.put("first_frame_ok", firstFrameOk());
        v.put("intervals_ok", intervalsOk());
        v.put("real_time", realTime());
        return o;
    }

    private static void num(ObjectNode o, String name, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            o.putNull(name);
        } else {
            o.put(name, Math.round(v * 1000.0) / 1000.0);
        }
    }
}
