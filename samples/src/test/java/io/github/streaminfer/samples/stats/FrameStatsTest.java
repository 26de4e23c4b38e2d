package io.github.streaminfer.samples.stats;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The statistics and verdicts of recorded arrivals, against values worked out by hand. */
class FrameStatsTest {
    private static final long MS = 1_000_000L;

    @Test
    void summarisesArrivalsAsTheSeedsClientDoes() {
        FrameStats s = new FrameStats();
        s.start(0);
        // first frame after 1.2 s, then intervals 30, 40, 50, 40 ms; 10,000 bytes each
        long[] at = {1200, 1230, 1270, 1320, 1360};
        for (long t : at) {
            s.frame(t * MS, 10_000);
        }
        StatsSummary r = s.summary(2000 * MS);

        assertThat(r.frames()).isEqualTo(5);
        assertThat(r.firstFrameSeconds()).isCloseTo(1.2, within(1e-9));
        assertThat(r.durationSeconds()).isCloseTo(1.36, within(1e-9));
        assertThat(r.averageFps()).as("4 intervals in 160 ms").isCloseTo(25.0, within(1e-9));
        assertThat(r.intervals()).isEqualTo(4);
        assertThat(r.intervalMeanMs()).isCloseTo(40.0, within(1e-9));
        assertThat(r.intervalMedianMs()).isCloseTo(40.0, within(1e-9));
        assertThat(r.intervalStdMs()).as("sqrt((100 + 0 + 100 + 0) / 4)").isCloseTo(Math.sqrt(50), within(1e-9));
        assertThat(r.intervalMinMs()).isCloseTo(30.0, within(1e-9));
        assertThat(r.intervalMaxMs()).isCloseTo(50.0, within(1e-9));
        assertThat(r.totalBytes()).isEqualTo(50_000);
        assertThat(r.bandwidthMbps()).as("400,000 bits in 0.16 s").isCloseTo(2.5, within(1e-9));
        assertThat(r.fpsOk()).isTrue();
        assertThat(r.firstFrameOk()).isTrue();
        assertThat(r.intervalsOk()).isTrue();
        assertThat(r.report("test")).contains("PASS Frame rate suitable for real-time (25.0 >= 22.5 FPS)")
                .contains("Median: 40.0ms").contains("Streaming latency acceptable (1.20s <= 3.0s)");
    }

    @Test
    void slowLateStreamsFailTheirVerdicts() {
        FrameStats s = new FrameStats();
        s.start(0);
        for (int i = 0; i < 4; i++) {
            s.frame((3500 + 100L * i) * MS, 1000);
        }
        StatsSummary r = s.summary(5000 * MS);

        assertThat(r.averageFps()).isCloseTo(10.0, within(1e-9));
        assertThat(r.fpsOk()).isFalse();
        assertThat(r.firstFrameOk()).as("3.5 s to the first frame").isFalse();
        assertThat(r.intervalsOk()).as("100 ms mean").isFalse();
        assertThat(r.realTime()).isFalse();
        assertThat(r.report("slow")).contains("FAIL Frame rate too low").contains("FAIL Streaming latency too high")
                .contains("FAIL Frame intervals too long (100.0ms > 60.0ms)");
        JsonNode json = r.toJson();
        assertThat(json.path("verdicts").path("real_time").asBoolean()).isFalse();
        assertThat(json.path("intervals_ms").path("mean").asDouble()).isEqualTo(100.0);
    }

    @Test
    void aStreamWithoutFramesHasNoRatesAndFailsEveryVerdict() {
        FrameStats s = new FrameStats();
        s.start(0);
        StatsSummary r = s.summary(2000 * MS);
        assertThat(r.frames()).isZero();
        assertThat(r.durationSeconds()).isCloseTo(2.0, within(1e-9));
        assertThat(r.fpsOk() || r.firstFrameOk() || r.intervalsOk()).isFalse();
        JsonNode json = r.toJson();
        assertThat(json.path("average_fps").isNull()).isTrue();
        assertThat(json.path("time_to_first_frame_seconds").isNull()).isTrue();
    }

    @Test
    void usageErrorsExitWith64AndSayWhy() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream errStream = new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8);
        int status = StreamStats.run(new String[] {"ftp://example/x"}, System.out, errStream);
        assertThat(status).isEqualTo(64);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("url is 'ftp://example/x'");
        assertThat(StreamStats.run(new String[] {"ws://127.0.0.1:1/x", "--fps"}, System.out, errStream))
                .isEqualTo(64);
    }
}
