package io.github.streaminfer.samples;

import io.github.streaminfer.action.ActionCommand;
import io.github.streaminfer.action.ActionConfig;
import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.action.ActionStats;
import io.github.streaminfer.action.ControlLoop;
import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.action.SmoothingConfig;
import io.github.streaminfer.client.Observation;
import io.github.streaminfer.client.RemotePolicy;
import io.github.streaminfer.client.RemotePolicyConfig;
import io.github.streaminfer.client.RemoteStats;
import io.github.streaminfer.task.RawImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The robot demo with the policy in another process: {@code bin/streaminfer-server}'s main runs in a child JVM, and
 * this JVM keeps the robot, its 100 Hz control loop and the safety chain, fed by a
 * {@link RemotePolicy}. A third of the way in, the server is killed; the actions age past the controller's
 * {@code staleAfter}, the arm decelerates within its caps to a hold, and the policy reconnects on its own when the
 * server is started again, after which the arm follows fresh actions once more.
 *
 * <p>Run it with {@code bin/demo robot-remote [seconds]} (default 15).
 *
 * <p><b>Note:</b> {@link #run} blocks its caller for the duration, and longer (up to four times the duration) while
 * a slow machine restarts the server, so that streaming after the return gets a third of the duration; the control
 * loop and the client run on their own threads.
 */
public final class RobotRemoteDemo {
    static final Duration STALE_AFTER = Duration.ofMillis(300);
    private static final String KEY = "robot_remote_0123456789";

    private RobotRemoteDemo() {
    }

    /**
     * What the run showed.
     *
     * @param remote              the client's counters
     * @param actions             the local controller's counters
     * @param executedBeforeKill  executable commands before the server was killed
     * @param executedWhileStale  executable commands from {@code staleAfter} after the kill until the restart (must
     *                            be 0)
     * @param executedAfterReturn executable commands after the restarted server answered
     * @param heldDuringOutage    whether the controller reached {@code HOLDING} while the server was away
     * @param maxExecutableAgeMs  the oldest observation behind an executable command, ms
     * @param maxBrakeSpeedRatio  the fastest axis speed while braking, as a fraction of that axis's cap
     */
    record Summary(RemoteStats remote, ActionStats actions, long executedBeforeKill, long executedWhileStale,
                   long executedAfterReturn, boolean heldDuringOutage, double maxExecutableAgeMs,
                   double maxBrakeSpeedRatio) {
    }

    /**
     * Runs the demo.
     *
     * @param args optional duration in seconds
     * @throws Exception if the server cannot be started
     */
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Summary s = run(Duration.ofSeconds(seconds), System.out);
        System.exit(s.executedWhileStale() == 0 && s.executedAfterReturn() > 0 ? 0 : 1);
    }

    static Summary run(Duration duration, PrintStream out) throws Exception {
        int port = freePort();
        SafetyConfig safety = SafetyConfig.frankaCartesian().toBuilder().staleAfter(STALE_AFTER).build();
        ActionConfig config = ActionConfig.builder().dim(RobotControlDemo.DIM).maxHorizon(1)
                .stepPeriod(Duration.ofMillis(33)).controlPeriod(Duration.ofMillis(10))
                .smoothing(SmoothingConfig.ema(0.5).toBuilder().exemptAxes(6).build())
                .safety(safety).build();
        RobotControlDemo.SimulatedRobot robot = new RobotControlDemo.SimulatedRobot();
        RobotControlDemo.Camera camera = new RobotControlDemo.Camera(160, 120);
        Phases phases = new Phases(safety.maxVelocity());

        Process server = startServer(port, out);
        try (ActionController controller = ActionController.builder(config).build();
             RemotePolicy policy = RemotePolicy.connect(RemotePolicyConfig.builder(
                             URI.create("ws://127.0.0.1:" + port + "/v1/stream")).apiKey(KEY).targetFps(30)
                     .reconnect(Duration.ofMillis(100), Duration.ofSeconds(1)).build(), controller)) {
            if (!policy.awaitConnected(Duration.ofSeconds(20))) {
                throw new IllegalStateException("could not connect: " + policy.stats().lastError());
            }
            ControlLoop loop = controller.startLoop(cmd -> {
                robot.apply(cmd, 0.01);
                phases.observe(cmd, robot.velocityAsFloats());
            }, robot::readPose);
            long start = System.nanoTime();
            long killAt = start + duration.toNanos() / 3;
            long end = start + duration.toNanos();
            long latest = start + 4 * duration.toNanos(); // the run waits this long at most for the restart
            long next = start;
            boolean killed = false;
            CompletableFuture<Process> restarted = null;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (!killed && now >= killAt) {
                    out.printf("%n[%4.1f s] killing the server%n", (now - start) / 1e9);
                    server.destroyForcibly().waitFor();
                    phases.killed(System.nanoTime());
                    killed = true;
                    restarted = CompletableFuture.supplyAsync(() -> {
                        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                        return startServer(port, out);
                    });
                }
                if (restarted != null && restarted.isDone() && policy.state() == RemotePolicy.State.CONNECTED
                        && !phases.hasReturned()) {
                    server = restarted.join();
                    phases.returned();
                    out.printf("[%4.1f s] reconnected to the new server%n", (System.nanoTime() - start) / 1e9);
                    // a slow machine can take most of the run to start a JVM: the last phase always gets its third
                    end = Math.max(end, System.nanoTime() + duration.toNanos() / 3);
                } else if (killed && !phases.hasReturned() && now >= end && now < latest) {
                    end = now + TimeUnit.MILLISECONDS.toNanos(100); // still waiting for the server to come back
                }
                float[] pose = robot.poseAsFloats();
                float[] velocity = robot.velocityAsFloats();
                policy.submit(Observation.jpeg(jpeg(camera.next()), head(pose), head(velocity), System.nanoTime()));
                next += TimeUnit.MILLISECONDS.toNanos(33);
                LockSupport.parkNanos(next - System.nanoTime());
            }
            loop.close();
            if (restarted != null && !phases.hasReturned()) {
                server = restarted.join();
            }
            Summary s = new Summary(policy.stats(), controller.stats(), phases.executed[0], phases.executedWhileStale,
                    phases.executed[2], phases.held, phases.maxAgeNanos / 1e6, phases.maxBrakeRatio);
            print(s, out);
            return s;
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    static void print(Summary s, PrintStream out) {
        RemoteStats r = s.remote();
        out.printf("%nremote policy: %d submitted, %d sent, %d actions, %d errors, %d lost in flight, %d refused while "
                        + "down, %d replaced; %d connects, %d disconnects%n", r.submitted(), r.sent(), r.actions(),
                r.errors(), r.lostInFlight(), r.refused(), r.replaced(), r.connects(), r.disconnects());
        out.printf("  round trip p50 %.2f ms, p99 %.2f ms; server clock offset %.1f ms (± %.1f)%n",
                r.roundTripP50Ms(), r.roundTripP99Ms(), r.clockOffsetMs(), r.clockUncertaintyMs());
        out.printf("control loop: %d executable before the kill, %d while the server was away (after %d ms), %d "
                        + "after it came back%n", s.executedBeforeKill(), s.executedWhileStale(),
                STALE_AFTER.toMillis(), s.executedAfterReturn());
        out.printf("  braked to a hold while away: %s; fastest axis while braking %.0f %% of its cap; oldest "
                + "observation behind an executable command %.1f ms (staleAfter %d ms)%n", s.heldDuringOutage(),
                100 * s.maxBrakeSpeedRatio(), s.maxExecutableAgeMs(), STALE_AFTER.toMillis());
    }

    /** The first six values (the pose or velocity the server's policy takes), as doubles. */
    private static double[] head(float[] v) {
        double[] d = new double[6];
        for (int i = 0; i < d.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static byte[] jpeg(RawImage img) {
        BufferedImage b = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] px = img.pixels();
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int i = (y * img.width() + x) * 3;
                b.setRGB(x, y, (px[i] & 0xff) << 16 | (px[i + 1] & 0xff) << 8 | (px[i + 2] & 0xff));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(b, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts the standalone server in a child JVM on this JVM's class path and waits for its "ready" line. */
    static Process startServer(int port, PrintStream out) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.github.streaminfer.server.StreamingServerMain", "--port", String.valueOf(port), "--warmup", "0",
                "--api-key", KEY + ":enterprise").redirectErrorStream(true);
        try {
            Process p = pb.start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (String line; (line = r.readLine()) != null; ) {
                if (line.contains("streaminfer-server: ready")) {
                    out.println("server started (pid " + p.pid() + ", port " + port + ")");
                    Thread drain = new Thread(() -> r.lines().forEach(l -> { }), "server-output");
                    drain.setDaemon(true);
                    drain.start();
                    return p;
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            p.destroyForcibly();
            throw new IllegalStateException("the server did not start (exit " + p.waitFor() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the server", e);
        }
    }

    /** What the control loop saw in each phase; written by the loop's thread, read after it stops. */
    private static final class Phases {
        private final double[] maxVelocity;
        final long[] executed = new long[3];
        long executedWhileStale;
        boolean held;
        long maxAgeNanos;
        double maxBrakeRatio;
        private volatile int phase;
        private volatile long killedNanos;

        Phases(double[] maxVelocity) {
            this.maxVelocity = maxVelocity;
        }

        void killed(long now) {
            killedNanos = now;
            phase = 1;
        }

        void returned() {
            phase = 2;
        }

        boolean hasReturned() {
            return phase == 2;
        }

        void observe(ActionCommand cmd, float[] velocity) {
            int p = phase;
            if (cmd.executable()) {
                executed[p]++;
                maxAgeNanos = Math.max(maxAgeNanos, cmd.observationAgeNanos());
                if (p == 1 && cmd.tickNanos() - killedNanos > STALE_AFTER.toNanos()) {
                    executedWhileStale++;
                }
            } else if (p == 1) {
                held |= cmd.state() == ActionCommand.State.HOLDING;
                for (int d = 0; d < maxVelocity.length && d < velocity.length; d++) {
                    maxBrakeRatio = Math.max(maxBrakeRatio, Math.abs(velocity[d]) / maxVelocity[d]);
                }
            }
        }
    }
}
