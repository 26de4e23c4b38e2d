package io.github.streaminfer.transport.internal.signal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.SessionRejectedException;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.LiveSession;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.ClassificationOut;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.github.streaminfer.transport.signal.SignalSource;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
/**
 * The EMG seed's synchronous companion of the stream: {@code POST /infer} (and {@code /infer/{backend}}) runs
 * {@code steps} windows through a fresh session and answers with the last result. A request naming an unavailable
 * backend is refused with its cause, an unknown one with the list of backends. {@link SignalBenchmark} reuses its
 * {@link Collector} and {@link #submitAndWait}.
 *
 * <p><b>Note:</b> thread-safe; requests are validated on the event loop and run on the blocking executor.
 *
 * @param <O> result value type
 */
final class SignalInfer<O> {
    private static final Logger LOG = LoggerFactory.getLogger(SignalInfer.class);
    private static final Set<String> INFER_FIELDS = Set.of("batch", "channels", "length", "steps", "backend",
            "use_tensorrt", "preprocess");

    private final SignalService<O> service;
    private final ServerContext server;
    private final SignalEndpoint<O> endpoint;

    SignalInfer(SignalService<O> service) {
        this.service = service;
        this.server = service.server;
        this.endpoint = service.endpoint;
    }

    /** One result of a synchronous run. */
    record Sample(boolean ok, long endToEndNanos, int prediction, double confidence, long[] shape, String error) {
        static Sample failed(String error) {
            return new Sample(false, 0, 0, 0, null, error);
        }
    }

    /** Collects results of a synchronous run, after handing each to an optional hook (the warm-up's encoder). */
    static final class Collector<O> implements ResultListener<O> {
        final LinkedBlockingQueue<Sample> queue = new LinkedBlockingQueue<>();
        private final ClassificationEncoder<O> encoder;
        private final ResultListener<O> hook;
        private final ClassificationOut cls = new ClassificationOut();

        Collector(ClassificationEncoder<O> encoder, ResultListener<O> hook) {
            this.encoder = encoder;
            this.hook = hook;
        }

        @Override
        public void onResult(InferenceResult<O> r) {
            if (hook != null) {
                hook.onResult(r);
            }
            if (r.isSuccess()) {
                encoder.encode(r.value(), cls);
                queue.add(new Sample(true, r.endToEndNanos(), cls.prediction(), cls.confidence(), cls.shape(), null));
            } else {
                queue.add(Sample.failed(Json.failureMessage(r)));
            }
        }
    }

    /**
     * Submits one frame and waits up to 10 s for its result, retrying a paced or rate-limited session.
     *
     * @param s            the session
     * @param c            its collector
     * @param frame        the frame
     * @param frameId      its id
     * @param captureNanos when it was made
     * @return its result
     */
    static <O> Sample submitAndWait(StreamingInferenceSession<float[], O> s, Collector<O> c, float[] frame,
                                    long frameId, long captureNanos) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            SubmitStatus st = s.submit(frame, frameId, captureNanos);
            if (st.isAccepted()) {
                try {
                    Sample r = c.queue.poll(10, TimeUnit.SECONDS);
                    return r != null ? r : Sample.failed("no result within 10 s");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Sample.failed("interrupted");
                }
            }
            if (st == SubmitStatus.CLOSED) {
                break;
            }
            try {
                Thread.sleep(1); // paced or rate-limited session: try again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Sample.failed("session refused the frame");
    }

    void infer(Channel ch, FullHttpRequest req, QueryStringDecoder query, String pathBackend) {
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return;
        }
        String backend;
        String fallback;
        int steps;
        boolean preprocess;
        try {
            ObjectNode b = SignalService.body(req);
            Json.onlyFields(b, "inference request", INFER_FIELDS);
            double batch = Json.number(b, "batch", 1, 1, 1);
            double channels = Json.number(b, "channels", endpoint.channels(), endpoint.channels(), endpoint.channels());
            double length = Json.number(b, "length", endpoint.length(), endpoint.length(), endpoint.length());
            steps = (int) Json.number(b, "steps", 1, 1, 1000);
            preprocess = Json.bool(b, "preprocess", true);
            backend = service.chooseBackend(b, pathBackend);
            fallback = service.tensorrtFallback(b, pathBackend, backend);
            if (batch != 1 || channels != endpoint.channels() || length != endpoint.length()) {
                throw new ProtocolException("invalid_field", "unsupported geometry");
            }
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (!server.tryAcquireSlot(p)) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name() + "' allows "
                    + p.tier().maxConcurrentSessions() + " concurrent session(s)");
            return;
        }
        try {
            server.blocking.execute(() -> {
                try {
                    ObjectNode o = runInfer(p, backend, steps, preprocess);
                    if (fallback != null && !o.has("error")) {
                        o.put("fallback", fallback);
                    }
                    ch.eventLoop().execute(() -> Http.json(ch, req, o.has("error")
                            ? HttpResponseStatus.UNPROCESSABLE_ENTITY : HttpResponseStatus.OK, o));
                } catch (SessionRejectedException e) {
                    ch.eventLoop().execute(() -> Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage()));
                } catch (RuntimeException e) {
                    server.warnings.warn(LOG, "infer-failed", "POST /infer failed", e);
                    ch.eventLoop().execute(() -> Http.error(ch, req, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            "inference failed (internal error)"));
                } finally {
                    server.releaseSlot(p);
                }
            });
        } catch (RejectedExecutionException e) {
            server.releaseSlot(p);
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy");
        }
    }

    private ObjectNode runInfer(AccessPolicy.Principal p, String backend, int steps, boolean preprocess) {
        Collector<O> c = new Collector<>(endpoint.encoder(), null);
        LiveSession ls = server.register(SignalService.ENDPOINT, p);
        SignalSource src = service.newSource();
        float[] scratch = new float[endpoint.channels() * endpoint.length()];
        SessionFactory<float[], O> f = endpoint.backends().get(backend);
        try (StreamingInferenceSession<float[], O> s = f.open(new SessionRequest(SignalService.ENDPOINT, ls.id(),
                f.modelName(), 0, 0, p, Map.of("backend", backend, "preprocess", preprocess)), c)) {
            ls.session = s;
            double sum = 0;
            Sample last = null;
            for (int i = 0; i < steps; i++) {
                float[] w = service.nextFrame(src, scratch, preprocess);
                last = submitAndWait(s, c, w, i + 1, System.nanoTime());
                if (!last.ok) {
                    ObjectNode o = Json.object();
                    o.put("error", last.error);
                    return o;
                }
                sum += last.endToEndNanos;
            }
            ObjectNode o = Json.object();
            o.put("latency_ms", Json.round3(sum / steps / 1e6));
            o.put("prediction", last.prediction);
            o.put("confidence", last.confidence);
            o.set("shape", Json.MAPPER.valueToTree(last.shape));
            o.put("backend", backend);
            o.put("cpu_percent", CpuLoad.percent());
            o.put("steps", steps);
            return o;
        } finally {
            server.unregister(ls);
        }
    }
}
