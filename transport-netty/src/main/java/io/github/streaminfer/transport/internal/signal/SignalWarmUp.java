package io.github.streaminfer.transport.internal.signal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.Tier;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.github.streaminfer.transport.signal.SignalSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The signal endpoint's start-up warm-up, so that the first stream does not pay for class loading, the model's
 * first runs and a cold HTTP path.
 *
 * <p><b>Note:</b> runs once, on the server's blocking executor.
 *
 * @param <O> result value type
 */
final class SignalWarmUp<O> {
    private static final Logger LOG = LoggerFactory.getLogger(SignalService.class);

    private final SignalService<O> service;
    private final ServerContext server;
    private final SignalEndpoint<O> endpoint;

    SignalWarmUp(SignalService<O> service) {
        this.service = service;
        this.server = service.server;
        this.endpoint = service.endpoint;
    }

    /**
     * Warms the stream path on the blocking executor, so that the first client's stream finds its classes loaded,
     * the model's first runs done and the event path compiled: runs {@link SignalService#WARMUP_FRAMES} windows
     * through a session of the default backend, encoding each result as a stream event; parses a stream request;
     * and, given the server's address, sends one {@code GET /health} through the server's own HTTP pipeline.
     * Failures are logged and otherwise ignored: the warm-up is an optimisation.
     *
     * @param self where the server accepts plain HTTP, or null (TLS) to skip the request
     * @return completed when the warm-up has finished (or was skipped)
     */
    CompletableFuture<Void> start(InetSocketAddress self) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            server.blocking.execute(() -> {
                try {
                    runWarmUp();
                    warmRequestPath(self);
                } finally {
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("signal warm-up skipped: {}", e.toString());
            done.complete(null);
        }
        return done;
    }

    private void warmRequestPath(InetSocketAddress self) {
        ByteBuf body = Unpooled.copiedBuffer("{\"duration_seconds\": 1.5, \"fps\": 100, \"preprocess\": true}",
                StandardCharsets.US_ASCII);
        try {
            ObjectNode b = Json.parseObject(body);
            Json.onlyFields(b, "stream request", SignalService.STREAM_FIELDS);
            Json.number(b, "duration_seconds", -1, 0, 86_400);
            Json.bool(b, "preprocess", true);
            service.chooseBackend(b, null);
            UUID.randomUUID(); // session ids: the first call initialises SecureRandom
        } catch (ProtocolException | RuntimeException e) {
            LOG.debug("signal warm-up: parsing a stream request failed: {}", e.toString());
        } finally {
            body.release();
        }
        if (self == null) {
            return;
        }
        try (Socket s = new Socket()) {
            s.connect(self, 2000);
            s.setSoTimeout(2000);
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: warmup\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        } catch (IOException | RuntimeException e) {
            LOG.debug("signal warm-up: GET /health on {} failed: {}", self, e.toString());
        }
    }

    private void runWarmUp() {
        String backend = endpoint.defaultBackend();
        SessionFactory<float[], O> f = endpoint.backends().get(backend);
        if (!f.isAvailable()) {
            return;
        }
        SignalEventWriter<O> writer = new SignalEventWriter<>(endpoint.encoder(), backend);
        ByteBuf scratchBuf = Unpooled.buffer(256);
        SignalInfer.Collector<O> c = new SignalInfer.Collector<>(endpoint.encoder(), r -> {
            if (r.isSuccess()) {
                scratchBuf.clear();
                ByteBufUtil.writeUtf8(scratchBuf, writer.format(r));
            }
        });
        SessionRequest req = new SessionRequest(SignalService.ENDPOINT, "warmup", f.modelName(), 0, 0,
                new AccessPolicy.Principal("warmup", Tier.OPEN), Map.of("backend", backend, "preprocess", true));
        long t0 = System.nanoTime();
        try (StreamingInferenceSession<float[], O> s = f.open(req, c)) {
            SignalSource source = endpoint.sources().apply(service.streamSeed.getAndIncrement());
            float[] scratch = new float[endpoint.channels() * endpoint.length()];
            for (int i = 0; i < SignalService.WARMUP_FRAMES && !server.shuttingDown; i++) {
                long now = System.nanoTime();
                if (!SignalInfer.submitAndWait(s, c, service.nextFrame(source, scratch, true), i + 1, now).ok()) {
                    break;
                }
            }
            LOG.debug("signal stream path warmed up with backend '{}' in {} ms", backend,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.info("signal warm-up with backend '{}' failed (streams still work, the first may be slower): {}",
                    backend, e.toString());
        } finally {
            scratchBuf.release();
        }
    }
}
