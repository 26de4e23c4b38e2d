package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.CloseCodes;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.Tier;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.internal.detection.DetectionService;
import io.github.streaminfer.transport.internal.openpi.OpenPiHandler;
import io.github.streaminfer.transport.internal.signal.SignalService;
import io.github.streaminfer.transport.internal.vla.VlaHandler;
import io.github.streaminfer.transport.openpi.OpenPiEndpoint;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each handler on a Netty {@link EmbeddedChannel}: synchronous paths, no sockets. */
class EmbeddedHandlersTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY = "embedded_key_0123";
    ServerContext server;
    EmbeddedChannel loopHolder;

    @BeforeEach
    void setUp() {
        loopHolder = new EmbeddedChannel();
        server = new ServerContext(ServerLimits.DEFAULT, AccessPolicy.builder().apiKey(KEY, Tier.PRO)
                .allowOrigin("https://ok.example").build(), loopHolder.eventLoop(), 1);
    }

    @AfterEach
    void tearDown() {
        server.blocking.shutdownNow();
        loopHolder.finishAndReleaseAll();
    }

    static ScriptedModel model() {
        return ScriptedModel.builder().input("x", DType.FLOAT32, 1, 16, 200).output("y", DType.FLOAT32, 1, 7).build();
    }

    Router router() {
        SessionFactory<float[], FloatVector> f = (req, l) -> StreamingInferenceSession.builder(model(),
                FloatArrayTask.firstInputOutput()).listener(l).build();
        SignalService<FloatVector> signal = new SignalService<>(server, SignalEndpoint.synthetic(Map.of("scripted", f),
                ClassificationEncoder.softmaxArgmax(1, 7)));
        DetectionService<FloatVector> det = new DetectionService<>(server, DetectionEndpoint.of(
                (req, l) -> { throw new AssertionError("not opened in these tests"); }, (v, sink) -> { }));
        OpenPiEndpoint<FloatVector> pi = new OpenPiEndpoint<>("/", (req, l) -> {
            throw new AssertionError("not opened");
        }, ActionEncoder.floatVector(), Map.of());
        return new Router(server, List.of(det.wsRoute(), new Router.WsRoute("/", "openpi", () -> null,
                OpenPiHandler.admit(server, pi))), List.of(det.routes(), signal.routes()),
                () -> Json.object().put("service", "test"));
    }

    static FullHttpRequest req(HttpMethod m, String uri, String body, String... headers) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, uri,
                Unpooled.copiedBuffer(body == null ? "" : body, StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().set(headers[i], headers[i + 1]);
        }
        return r;
    }

    static FullHttpResponse respond(EmbeddedChannel ch, FullHttpRequest r) {
        ch.writeInbound(r);
        ch.runPendingTasks();
        FullHttpResponse res = ch.readOutbound();
        assertThat(res).as("a response to " + r.method() + " " + r.uri()).isNotNull();
        return res;
    }

    static JsonNode body(FullHttpResponse r) throws Exception {
        try {
            return JSON.readTree(r.content().toString(StandardCharsets.UTF_8));
        } finally {
            r.release();
        }
    }

    @Test
    void routerAnswersStatusCodesWithoutSockets() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(router());
        FullHttpResponse r = respond(ch, req(HttpMethod.GET, "/nowhere", null));
        assertThat(r.status().code()).isEqualTo(404);
        assertThat(body(r).get("error").asText()).contains("'/nowhere'");
        r = respond(ch, req(HttpMethod.GET, "/health", null, "Origin", "https://bad.example"));
        assertThat(r.status().code()).isEqualTo(403);
        r.release();
        r = respond(ch, req(HttpMethod.GET, "/health", null, "Origin", "https://ok.example"));
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(body(r).get("emg_mode").asText()).isEqualTo("synthetic");
        r = respond(ch, req(HttpMethod.DELETE, "/health", null));
        assertThat(r.status().code()).isEqualTo(405);
        r.release();
        r = respond(ch, req(HttpMethod.GET, "/", null));
        assertThat(body(r).get("service").asText()).isEqualTo("test");
        r = respond(ch, req(HttpMethod.GET, "/stream/detection", null));
        assertThat(r.status().code()).isEqualTo(400);
        assertThat(body(r).get("error").asText()).contains("WebSocket endpoint");
        ch.finishAndReleaseAll();
    }

    @Test
    void detectionAndSignalRoutesValidateBeforeOpeningAnything() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(router());
        FullHttpResponse r = respond(ch, req(HttpMethod.POST, "/stream/sessions", "{}"));
        assertThat(r.status().code()).isEqualTo(401);
        r.release();
        r = respond(ch, req(HttpMethod.POST, "/stream/sessions", "{\"fps_limit\": \"fast\"}", "X-API-Key", KEY));
        assertThat(r.status().code()).isEqualTo(400);
        assertThat(body(r).get("error").asText()).contains("'fps_limit' must be a number");
        r = respond(ch, req(HttpMethod.POST, "/stream/sessions", "{\"fps_limit\": 60}", "X-API-Key", KEY));
        assertThat(r.status().code()).as("above the pro tier's 30 fps").isEqualTo(403);
        r.release();
        r = respond(ch, req(HttpMethod.PATCH, "/stream/sessions/abc/config", "{}", "X-API-Key", KEY));
        assertThat(r.status().code()).isEqualTo(404);
        r.release();
        r = respond(ch, req(HttpMethod.GET, "/stream/health", null));
        assertThat(body(r).get("active_sessions").asInt()).isZero();
        r = respond(ch, req(HttpMethod.POST, "/infer/stream", "{\"duration_seconds\": -1}", "X-API-Key", KEY));
        assertThat(r.status().code()).isEqualTo(400);
        assertThat(body(r).get("error").asText()).contains("duration_seconds");
        r = respond(ch, req(HttpMethod.POST, "/benchmark?num_iterations=zero", null, "X-API-Key", KEY));
        assertThat(r.status().code()).isEqualTo(400);
        r.release();
        r = respond(ch, req(HttpMethod.POST, "/infer", "{\"batch\": 4}", "X-API-Key", KEY));
        assertThat(r.status().code()).isEqualTo(400);
        assertThat(body(r).get("error").asText()).contains("'batch' is 4");
        ch.finishAndReleaseAll();
    }

    @Test
    void openPiUpgradeWithoutTheApiKeyHeaderIs401() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(router());
        FullHttpResponse r = respond(ch, req(HttpMethod.GET, "/", null, "Upgrade", "websocket", "Connection",
                "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="));
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(r.headers().get("WWW-Authenticate")).isEqualTo("Api-Key");
        r.release();
        ch.finishAndReleaseAll();
    }

    EmbeddedChannel vla() {
        SessionFactory<VlaFrame, FloatVector> f = (req, l) -> {
            throw new AssertionError("not opened in these tests");
        };
        EmbeddedChannel ch = new EmbeddedChannel(new VlaHandler<>(server, VlaEndpoint.of(f,
                ActionEncoder.floatVector())));
        HttpHeaders none = new DefaultHttpHeaders();
        ch.pipeline().fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete("/v1/stream", none,
                null));
        return ch;
    }

    static JsonNode readText(EmbeddedChannel ch) throws Exception {
        ch.runPendingTasks();
        Object o = ch.readOutbound();
        assertThat(o).isInstanceOf(TextWebSocketFrame.class);
        try {
            return JSON.readTree(((TextWebSocketFrame) o).text());
        } finally {
            ReferenceCountUtil.release(o);
        }
    }

    @Test
    void vlaHandlerAnswersBeforeAuthAndClosesOnABadKey() throws Exception {
        EmbeddedChannel ch = vla();
        ch.writeInbound(new TextWebSocketFrame("{\"type\":\"frame\",\"image\":\"x\"}"));
        JsonNode e = readText(ch);
        assertThat(e.get("code").asText()).isEqualTo("not_authenticated");
        assertThat(e.get("frame_id").asLong()).isEqualTo(1);
        ch.writeInbound(new TextWebSocketFrame("{\"type\":"));
        assertThat(readText(ch).get("code").asText()).isEqualTo("invalid_json");
        ch.writeInbound(new TextWebSocketFrame("{\"type\":\"auth\",\"target_fps\":true}"));
        assertThat(readText(ch).get("message").asText()).contains("'target_fps' must be a number");
        ch.writeInbound(new TextWebSocketFrame("{\"type\":\"auth\",\"api_key\":\"wrong_key_012345\"}"));
        assertThat(readText(ch).get("code").asText()).isEqualTo("unauthorized");
        Object close = ch.readOutbound();
        assertThat(close).isInstanceOf(CloseWebSocketFrame.class);
        assertThat(((CloseWebSocketFrame) close).statusCode()).isEqualTo(CloseCodes.UNAUTHORIZED);
        ReferenceCountUtil.release(close);
        assertThat(server.counter("auth_failures_total").sum()).isEqualTo(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void outboundKeepsOnlyTheNewestMessageWhileTheChannelIsNotWritable() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Outbound out = new Outbound(ch);
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertThat(ch.isWritable()).isFalse();
        for (int i = 0; i < 100; i++) {
            out.send(new TextWebSocketFrame("m" + i));
        }
        ch.runPendingTasks();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(out.waiting()).isEqualTo(1);
        assertThat(out.conflated()).isEqualTo(99);
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        out.flushPending();
        TextWebSocketFrame f = ch.readOutbound();
        assertThat(f.text()).isEqualTo("m99");
        f.release();
        assertThat(out.sent()).isEqualTo(1);
        ch.finishAndReleaseAll();
    }
}
