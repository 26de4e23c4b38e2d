package io.github.streaminfer.transport.internal.signal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The EMG seed's {@code POST /benchmark}: measures each available backend (or the one the request names) with
 * sequential frames through a fresh session. A request naming an unavailable backend is refused with its cause, an
 * unknown one with the list of backends.
 *
 * <p><b>Note:</b> thread-safe; requests are validated on the event loop and run on the blocking executor, one
 * benchmark at a time.
 *
 * @param <O> result value type
 */
final class SignalBenchmark<O> {
    private static final Logger LOG = LoggerFactory.getLogger(SignalBenchmark.class);
    private static final int MAX_BENCHMARK_ITERATIONS = 100_000;

    private final SignalService<O> service;
    private final ServerContext server;
    private final SignalEndpoint<O> endpoint;
    private final AtomicBoolean benchmarking = new AtomicBoolean();
    private volatile ObjectNode lastBenchmark;

    SignalBenchmark(SignalService<O> service) {
        this.service = service;
        this.server = service.server;
        this.endpoint = service.endpoint;
    }

    /** {@return the result of the last {@code POST /benchmark}, by backend, or null before one ran} */
    ObjectNode lastBenchmark() {
        return lastBenchmark;
    }

    void benchmark(Channel ch, FullHttpRequest req, QueryStringDecoder query) {
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return;
        }
        if (!p.tier().allowsBenchmark()) {
            server.counter("tier_rejections_total").increment();
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name()
                    + "' does not allow benchmarks; use a key of a tier that does");
            return;
        }
        int n;
        String only;
        try {
            ObjectNode b = SignalService.body(req);
            Json.onlyFields(b, "benchmark request", Set.of("num_iterations", "backend"));
            List<String> qb = query.parameters().get("backend");
            String named = qb != null && !qb.isEmpty() && !b.has("backend") ? qb.get(0) : null;
            only = named != null || b.hasNonNull("backend") ? service.chooseBackend(b, named) : null;
            List<String> q = query.parameters().get("num_iterations");
            if (q != null && !q.isEmpty() && !b.has("num_iterations")) {
                try {
                    b.put("num_iterations", Double.parseDouble(q.get(0)));
                } catch (NumberFormatException e) {
                    throw new ProtocolException("invalid_field", "query parameter 'num_iterations' must be a number");
                }
            }
            double v = Json.number(b, "num_iterations", 1000, 1, MAX_BENCHMARK_ITERATIONS);
            if (v != Math.rint(v)) {
                throw new ProtocolException("invalid_field", "num_iterations must be an integer");
            }
            n = (int) v;
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (!benchmarking.compareAndSet(false, true)) {
            Http.error(ch, req, HttpResponseStatus.TOO_MANY_REQUESTS, "a benchmark is already running");
            return;
        }
        try {
            server.blocking.execute(() -> {
                try {
                    ObjectNode o = Json.object();
                    for (Map.Entry<String, SessionFactory<float[], O>> e : endpoint.backends().entrySet()) {
                        if (e.getValue().isAvailable() && (only == null || only.equals(e.getKey()))) {
                            o.set(e.getKey(), runBenchmark(p, e.getKey(), n));
                        }
                    }
                    lastBenchmark = o;
                    ch.eventLoop().execute(() -> Http.json(ch, req, HttpResponseStatus.OK, o));
                } catch (RuntimeException e) {
                    server.warnings.warn(LOG, "benchmark-failed", "POST /benchmark failed", e);
                    ch.eventLoop().execute(() -> Http.error(ch, req, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            "benchmark failed (internal error)"));
                } finally {
                    benchmarking.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            benchmarking.set(false);
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy");
        }
    }

    private ObjectNode runBenchmark(AccessPolicy.Principal p, String backend, int n) {
        SignalInfer.Collector<O> c = new SignalInfer.Collector<>(endpoint.encoder(), null);
        float[] w = service.nextFrame(endpoint.sources().apply(7), new float[endpoint.channels() * endpoint.length()],
                true);
        long[] lat = new long[n];
        int ok = 0;
        long t0;
        long t1;
        SessionFactory<float[], O> f = endpoint.backends().get(backend);
        try (StreamingInferenceSession<float[], O> s = f.open(new SessionRequest(SignalService.ENDPOINT,
                "benchmark-" + backend, f.modelName(), 0, 0, p, Map.of("backend", backend)), c)) {
            for (int i = 0; i < Math.min(10, n); i++) {
                SignalInfer.submitAndWait(s, c, w, -1, System.nanoTime());
            }
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                SignalInfer.Sample x = SignalInfer.submitAndWait(s, c, w, -1, System.nanoTime());
                if (x.ok()) {
                    lat[ok++] = x.endToEndNanos();
                }
            }
            t1 = System.nanoTime();
        }
        long[] v = Arrays.copyOf(lat, ok);
        Arrays.sort(v);
        ObjectNode o = Json.object();
        double mean = 0;
        for (long x : v) {
            mean += x;
        }
        mean = ok == 0 ? 0 : mean / ok;
        o.put("mean_latency_ms", Json.round3(mean / 1e6));
        o.put("median_latency_ms", ok == 0 ? 0 : Json.round3(v[(ok - 1) / 2] / 1e6));
        o.put("p99_latency_ms", ok == 0 ? 0 : Json.round3(v[Math.min(ok - 1, (int) Math.ceil(ok * 0.99) - 1)] / 1e6));
        o.put("throughput_qps", Json.round3(ok / ((t1 - t0) / 1e9)));
        o.put("iterations", n);
        o.put("failed", n - ok);
        o.put("latency_measures", "session submit to result, sequential");
        return o;
    }
}
