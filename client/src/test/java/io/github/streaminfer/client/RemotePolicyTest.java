package io.github.streaminfer.client;

import io.github.streaminfer.action.ActionCommand;
import io.github.streaminfer.action.ActionConfig;
import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.time.NanoClock;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ControlledActionEncoder;
import io.github.streaminfer.transport.PolicyAdapters;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.Tier;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The remote policy against a real server (synthetic policy on ONNX Runtime, loopback): actions come back for
 * binary and text frames, feed the local controller and the mailbox, the counters add up, a server that goes away
 * turns into stale actions the local watchdog brakes, the policy reconnects when the server is back, and a wrong
 * key fails for good.
 */
class RemotePolicyTest {
    private static final String KEY = "client_key_0123456789";
    private static final double[] POSE = {0.3, 0, 0.5, 0, 0, 0};
    private static final double[] VELOCITY = {0, 0, 0, 0, 0, 0};
    private static LoadedModel model;
    private static byte[] jpeg;

    @BeforeAll
    static void loadModel() throws Exception {
        model = Backends.require("onnx").load(ModelSource.ofBytes("policy.onnx",
                new SyntheticModels.Policy(96, 96, 12, 1, 0).bytes()), ModelOptions.DEFAULT);
        BufferedImage img = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(90, 140, 200));
        g.fillRect(0, 0, 160, 120);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        jpeg = out.toByteArray();
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    private static StreamingServer server(int port) {
        SessionFactory<VlaFrame, ActionChunk> policy = (request, listener) -> StreamingInferenceSession
                .builder(model, PolicyAdapters.vla(PolicyTask.builder()
                        .image("image", ImageSpec.builder(96, 96).build()).state("state").build()))
                .config(SessionConfig.DEFAULT.toBuilder().name(request.sessionId()).build())
                .listener(listener).build();
        return StreamingServer.builder().host("127.0.0.1").port(port)
                .access(AccessPolicy.builder().apiKey(KEY, Tier.ENTERPRISE).build())
                .vla(VlaEndpoint.of(policy, new ControlledActionEncoder(SafetyConfig.frankaCartesian(),
                        Duration.ofMillis(20), NanoClock.SYSTEM)))
                .start();
    }

    private static RemotePolicyConfig.Builder config(int port) {
        return RemotePolicyConfig.builder(URI.create("ws://127.0.0.1:" + port + "/v1/stream")).apiKey(KEY)
                .targetFps(50).reconnect(Duration.ofMillis(50), Duration.ofMillis(200));
    }

    private static ActionController controller() {
        return ActionController.builder(ActionConfig.builder().dim(7).maxHorizon(1)
                .stepPeriod(Duration.ofMillis(20)).controlPeriod(Duration.ofMillis(10))
                .safety(SafetyConfig.frankaCartesian().toBuilder().staleAfter(Duration.ofMillis(300)).build())
                .build()).build();
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier done)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void binaryAndTextFramesGetActionsThatReachTheControllerAndTheMailbox() throws Exception {
        try (StreamingServer server = server(0)) {
            for (boolean binary : new boolean[]{true, false}) {
                List<RemoteAction> received = new CopyOnWriteArrayList<>();
                try (ActionController ctrl = controller();
                     RemotePolicy p = RemotePolicy.connect(config(server.port()).binaryFrames(binary).build(), ctrl)
                             .onAction(received::add)) {
                    assertThat(p.awaitConnected(Duration.ofSeconds(10))).as("connected: %s", p.stats()).isTrue();
                    for (int i = 0; i < 20; i++) {
                        SubmitStatus st = p.submit(Observation.jpeg(jpeg, POSE, VELOCITY, System.nanoTime()));
                        assertThat(st).isIn(SubmitStatus.ACCEPTED, SubmitStatus.REPLACED_OLDEST);
                        Thread.sleep(25); // 40 fps, under the tier's 50
                    }
                    await("replies to every frame sent", Duration.ofSeconds(10), () -> p.stats().inFlight() == 0);
                    // one more frame, whose action must reach the controller fresh (a busy server may drop a frame:
                    // that is a counted error reply, and the next frame is sent; on a loaded machine a round trip
                    // may outlast staleAfter, and the controller rightly holds: the next frame is sent too)
                    ActionCommand cmd = new ActionCommand(7);
                    for (int tries = 0; tries < 10; tries++) {
                        RemoteStats was = p.stats();
                        p.submit(Observation.jpeg(jpeg, POSE, VELOCITY, System.nanoTime()));
                        await("the reply to the last frame", Duration.ofSeconds(10),
                                () -> p.stats().actions() + p.stats().errors() > was.actions() + was.errors());
                        if (p.stats().actions() > was.actions()) {
                            ctrl.next(System.nanoTime(), null, cmd);
                            if (cmd.executable() && cmd.frameId() == p.latest().frameId()) {
                                break;
                            }
                        }
                        Thread.sleep(50);
                    }
                    // listeners run just after the counters move, on the delivery thread
                    await("the listener's copy of every action", Duration.ofSeconds(10),
                            () -> received.size() == p.stats().actions());
                    RemoteStats s = p.stats();
                    assertThat(s.actions()).as(s.toString()).isPositive();
                    assertThat(s.actions() + s.errors() + s.replaced()).as(s.toString()).isEqualTo(s.submitted());
                    assertThat(received).hasSize((int) s.actions());
                    RemoteAction last = p.latest();
                    assertThat(last).isSameAs(received.get(received.size() - 1));
                    assertThat(last.values()).hasSize(7);
                    assertThat(last.roundTripNanos()).isPositive();
                    assertThat(last.serverLatencyMs()).isGreaterThanOrEqualTo(0);
                    // the same host's clock: the estimate is within its own uncertainty plus the 1 ms rounding
                    assertThat(Math.abs(s.clockOffsetMs())).isLessThanOrEqualTo(s.clockUncertaintyMs() + 2);
                    assertThat(s.roundTripP99Ms()).isGreaterThanOrEqualTo(s.roundTripP50Ms());
                    // the local controller got them: the next command follows the newest action and is fresh
                    assertThat(cmd.frameId()).isEqualTo(last.frameId());
                    assertThat(cmd.executable()).as(cmd.toString()).isTrue();
                }
            }
        }
    }

    @Test
    void aServerThatGoesAwayIsBrakedLocallyAndRejoinedWhenItReturns() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StreamingServer server = server(port);
        try (ActionController ctrl = controller();
             RemotePolicy p = RemotePolicy.connect(config(port).build(), ctrl)) {
            assertThat(p.awaitConnected(Duration.ofSeconds(10))).isTrue();
            p.submit(Observation.jpeg(jpeg, POSE, VELOCITY, System.nanoTime()));
            await("the first action", Duration.ofSeconds(10), () -> p.stats().actions() == 1);
            ActionCommand first = ctrl.next(System.nanoTime(), null, new ActionCommand(7));
            assertThat(first.executable()).as(first.toString()).isTrue();

            server.close();
            await("the disconnect", Duration.ofSeconds(10), () -> p.state() == RemotePolicy.State.CONNECTING);
            assertThat(p.submit(Observation.jpeg(jpeg, POSE, VELOCITY, System.nanoTime())))
                    .as("no connection: refused, not queued").isEqualTo(SubmitStatus.CLOSED);
            Thread.sleep(400); // past staleAfter (300 ms): the last action is stale now
            ActionCommand braked = ctrl.next(System.nanoTime(), null, new ActionCommand(7));
            assertThat(braked.executable()).as("stale action is never executable: %s", braked).isFalse();

            server = server(port);
            assertThat(p.awaitConnected(Duration.ofSeconds(10))).as("reconnected").isTrue();
            p.submit(Observation.jpeg(jpeg, POSE, VELOCITY, System.nanoTime()));
            await("an action after the reconnect", Duration.ofSeconds(10), () -> p.stats().actions() == 2);
            RemoteStats s = p.stats();
            assertThat(s.connects()).isEqualTo(2);
            assertThat(s.disconnects()).isEqualTo(1);
            assertThat(s.refused()).isEqualTo(1);
            assertThat(s.lastError()).as("why the last connection or attempt ended").isNotBlank();
            // fresh actions again: the controller leaves its hold and executes them (it may ramp up over a few)
            ActionCommand resumed = new ActionCommand(7);
            for (int i = 0; i < 50 && !resumed.executable(); i++) {
                long n = p.stats().actions();
                p.submit(Observation.jpeg(jpeg, POSE, VELOCITY, System.nanoTime()));
                await("action " + (n + 1), Duration.ofSeconds(10), () -> p.stats().actions() > n);
                ctrl.next(System.nanoTime(), null, resumed);
            }
            assertThat(resumed.executable()).as("resumed: %s", resumed).isTrue();
        } finally {
            server.close();
        }
    }

    @Test
    void aWrongKeyFailsForGoodWithTheReason() throws Exception {
        try (StreamingServer server = server(0);
             RemotePolicy p = RemotePolicy.connect(config(server.port()).apiKey("wrong_key_0123456789").build(),
                     null)) {
            assertThat(p.awaitConnected(Duration.ofSeconds(10))).isFalse();
            assertThat(p.state()).isEqualTo(RemotePolicy.State.FAILED);
            assertThat(p.stats().lastError()).contains("unauthorized").contains("invalid api_key");
            assertThat(p.submit(Observation.jpeg(jpeg, POSE, VELOCITY, System.nanoTime())))
                    .isEqualTo(SubmitStatus.CLOSED);
        }
    }

    @Test
    void settingsAreCheckedWithTheirAllowedValues() {
        URI uri = URI.create("ws://127.0.0.1:1/v1/stream");
        assertThatThrownBy(() -> RemotePolicyConfig.builder(URI.create("http://h/v1/stream")).build())
                .hasMessage("endpoint is http://h/v1/stream; allowed: a ws:// or wss:// URI");
        assertThatThrownBy(() -> RemotePolicyConfig.builder(uri).targetFps(0).build())
                .hasMessage("targetFps is 0.0; allowed: (0, 1000]");
        assertThatThrownBy(() -> RemotePolicyConfig.builder(uri).maxInFlight(0).build())
                .hasMessage("maxInFlight is 0; allowed: >= 1");
        assertThatThrownBy(() -> RemotePolicyConfig.builder(uri)
                .reconnect(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .hasMessageContaining("reconnectMax is PT1S; allowed: >= reconnectInitial");
        assertThatThrownBy(() -> Observation.jpeg(new byte[1], new double[]{Double.NaN}, new double[0], 0))
                .hasMessage("pose holds NaN; allowed: finite numbers");
        RemotePolicyConfig c = RemotePolicyConfig.builder(uri).build();
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }
}
