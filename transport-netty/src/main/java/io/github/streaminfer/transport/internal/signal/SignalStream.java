package io.github.streaminfer.transport.internal.signal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.LiveSession;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.SessionOpener;
import io.github.streaminfer.transport.signal.SignalSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code POST /infer/stream} response: a server-side signal source ticks at {@code fps} on the channel's event
 * loop, every window goes to the stream's own session, and every result becomes one SSE event, written from the
 * session's worker. Nothing is dropped silently:
 * <ul>
 *   <li>a window the session refuses or replaces gets an error event with a {@code code} ({@code queue_full},
 *       {@code rate_limited}, {@code superseded}, {@code closed}), a failed inference gets one with
 *       {@code inference_failed};</li>
 *   <li>while the client does not read (the connection's output is above its high watermark), events are not
 *       queued without bound: they are counted, and the next event the client gets is preceded by a
 *       {@code slow_reader} error event that says how many it missed;</li>
 *   <li>the completion event accounts for every window: {@code frames_generated = total_frames + frames_refused +
 *       frames_superseded + frames_failed + frames_buffered + events_not_sent} once the stream drained.</li>
 * </ul>
 * When the stream ends, its session is drained and closed and its tier slot freed before the completion event is
 * written; the response carries {@code Connection: close} and the server closes the connection after it.
 *
 * <p><b>Note:</b> ticks, start and finish run on the channel's event loop; {@link #onResult} on the session's worker;
 * {@link #open} on the blocking executor. Counters read across threads are atomic.
 *
 * @param <O> result value type
 */
final class SignalStream<O> implements ResultListener<O>, ServerContext.Graceful, Runnable {
    static final Logger LOG = LoggerFactory.getLogger(SignalStream.class);
    private static final int FRAME_RING = 8;

    private final SignalService<O> service;
    private final ServerContext server;
    private final ChannelHandlerContext ctx;
    private final Channel ch;
    private final AccessPolicy.Principal principal;
    private final String backend;
    private final double fps;
    /** Windows the stream generates in all, or -1 for an endless stream. */
    private final long frameLimit;
    private final boolean preprocess;
    private final SignalSource source;
    private final float[] scratch;
    /** Frame arrays, reused once the session has read them (slot {@code n % FRAME_RING} holds frame n). */
    private final float[][] frames = new float[FRAME_RING][];
    /** Highest frame id a result (success or failure) came back for: every frame up to it was read. Worker writes. */
    private volatile long lastAnswered;
    private final SignalEventWriter<O> writer;
    private final LiveSession live;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong notSent = new AtomicLong();
    private final AtomicLong notSentReported = new AtomicLong();
    private volatile StreamingInferenceSession<float[], O> session;
    // event loop only
    private ScheduledFuture<?> ticker;
    private long start;
    private long generated;
    private long refused;
    private long superseded;
    private boolean finishing;
    private boolean released;
    /** Windows still queued when the drain at the end timed out; written before {@link #complete} runs. */
    private volatile long droppedAtClose;

    SignalStream(SignalService<O> service, ChannelHandlerContext ctx, AccessPolicy.Principal principal,
                 String backend, double fps, double durationSeconds, boolean preprocess) {
        this.service = service;
        this.server = service.server;
        this.ctx = ctx;
        this.ch = ctx.channel();
        this.principal = principal;
        this.backend = backend;
        this.fps = fps;
        this.frameLimit = durationSeconds < 0 ? -1 : Math.round(durationSeconds * fps);
        this.preprocess = preprocess;
        this.source = service.newSource();
        this.scratch = new float[service.endpoint.channels() * service.endpoint.length()];
        this.writer = new SignalEventWriter<>(service.endpoint.encoder(), backend);
        this.live = server.register(SignalService.ENDPOINT, principal);
    }

    /**
     * {@return the session, opened for this stream} Blocking executor.
     */
    StreamingInferenceSession<float[], O> open() {
        SessionFactory<float[], O> f = service.endpoint.backends().get(backend);
        // maxFps 0: the stream paces itself at an fps the tier allows; a session limit could only refuse windows
        // that a late tick sends in catch-up
        SessionRequest r = new SessionRequest(SignalService.ENDPOINT, live.id(), f.modelName(), 0, 0, principal,
                Map.of("backend", backend, "preprocess", preprocess, "fps", fps));
        return f.open(r, this);
    }

    /**
     * {@return what the stream does once {@link #open} has run: start the response, or answer why it cannot}
     *
     * @param req the request that asked for the stream
     */
    SessionOpener.Outcome<StreamingInferenceSession<float[], O>> outcome(FullHttpRequest req) {
        return new SessionOpener.Outcome<>() {
            @Override
            public void opened(StreamingInferenceSession<float[], O> s) {
                session = s;
                live.session = s;
                started();
            }

            @Override
            public void refused(String message) {
                release();
                Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, message);
            }

            @Override
            public void failed() {
                release();
                Http.error(ch, req, HttpResponseStatus.INTERNAL_SERVER_ERROR, "could not open a session");
            }

            @Override
            public void orphaned(StreamingInferenceSession<float[], O> s) {
                s.close(); // the event loops have stopped: nobody is left to attach it
            }
        };
    }

    private void started() {
        if (!ch.isActive()) {
            release();
            return;
        }
        Router router = ctx.pipeline().get(Router.class);
        if (router != null) {
            router.streaming = true;
        }
        server.graceful.add(this);
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set("X-Accel-Buffering", "no");
        ch.writeAndFlush(res, ch.voidPromise());
        ch.closeFuture().addListener(f -> {
            if (ticker != null) {
                ticker.cancel(false);
            }
            release();
        });
        start = System.nanoTime();
        long period = Math.max(1, Math.round(1e9 / fps));
        run(); // the first window now, not one period later
        if (!finishing) {
            ticker = ch.eventLoop().scheduleAtFixedRate(this, period, period, TimeUnit.NANOSECONDS);
        }
    }

    /** Event loop: one tick, one window. */
    @Override
    public void run() {
        if (finishing) {
            return;
        }
        if (frameLimit >= 0 && generated >= frameLimit) {
            finish("completed");
            return;
        }
        long now = System.nanoTime();
        long n = ++generated;
        float[] window = frame(n);
        service.fillFrame(source, scratch, preprocess, window);
        live.framesReceived.increment();
        SubmitStatus st = session.submit(window, n, now);
        if (st == SubmitStatus.ACCEPTED) {
            return;
        }
        String code;
        if (st == SubmitStatus.REPLACED_OLDEST) {
            superseded++; // frame n was accepted and pushed an older waiting one out
            code = "superseded";
        } else {
            refused++;
            code = st == SubmitStatus.REJECTED_FULL ? "queue_full" : st == SubmitStatus.RATE_LIMITED
                    ? "rate_limited" : "closed";
        }
        errorEvent(st == SubmitStatus.CLOSED ? "session is closed" : "Frame queue full", code, n);
    }

    /**
     * The array for frame {@code n}: the one frame {@code n - FRAME_RING} used, if the session has read that frame
     * (a result for it or a later frame came back; the ingress is first in, first out), else a new one.
     */
    private float[] frame(long n) {
        int slot = (int) (n % FRAME_RING);
        float[] f = frames[slot];
        if (f == null || n - FRAME_RING > lastAnswered) {
            f = new float[scratch.length];
            frames[slot] = f;
        }
        return f;
    }

    private void errorEvent(String message, String code, long frame) {
        ObjectNode o = Json.object();
        o.put("error", message);
        o.put("code", code);
        o.put("timestamp", Json.unixSeconds());
        o.put("frame", frame);
        deliver(o);
    }

    private void deliver(ObjectNode o) {
        deliver(ByteBufUtil.writeUtf8(ch.alloc(), sse(o)));
    }

    private static String sse(ObjectNode o) {
        try {
            return "data: " + Json.MAPPER.writeValueAsString(o) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of strings and numbers always serialises
        }
    }

    /**
     * Any thread: writes an event, unless the client is gone or does not read (its output is above the high
     * watermark); then the event is released, and the caller counts it.
     *
     * @return true if written
     */
    private boolean deliver(ByteBuf event) {
        if (!ch.isActive() || !ch.isWritable()) {
            event.release();
            return false;
        }
        long missed = notSent.get();
        long reported = notSentReported.get();
        if (missed > reported && notSentReported.compareAndSet(reported, missed)) {
            ObjectNode o = Json.object();
            o.put("error", "client is not reading fast enough: " + missed + " result event(s) were not sent");
            o.put("code", "slow_reader");
            o.put("timestamp", Json.unixSeconds());
            o.put("events_not_sent", missed);
            ch.write(new DefaultHttpContent(ByteBufUtil.writeUtf8(ch.alloc(), sse(o))), ch.voidPromise());
        }
        ch.writeAndFlush(new DefaultHttpContent(event), ch.voidPromise());
        return true;
    }

    /** Worker: one event per result. */
    @Override
    public void onResult(InferenceResult<O> r) {
        if (r.frameId() > lastAnswered) {
            lastAnswered = r.frameId();
        }
        if (!r.isSuccess()) {
            failed.incrementAndGet();
            errorEvent(Json.failureMessage(r), "inference_failed", r.frameId());
            return;
        }
        long latency = r.publishedNanos() - r.captureNanos();
        CharSequence event;
        try {
            event = writer.format(r);
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            errorEvent("could not encode the result", "inference_failed", r.frameId());
            return;
        }
        live.latencySumNanos.add(latency);
        live.latencyCount.increment();
        server.latency.recordValue(Math.max(0, latency));
        if (deliver(ByteBufUtil.writeUtf8(ch.alloc(), event))) {
            delivered.incrementAndGet();
        } else if (ch.isActive()) {
            notSent.incrementAndGet();
        }
    }

    /** Event loop: stops ticking; drains and closes the session and frees the slot (blocking executor); ends. */
    void finish(String status) {
        if (finishing) {
            return;
        }
        finishing = true;
        if (ticker != null) {
            ticker.cancel(false);
        }
        long end = System.nanoTime();
        Runnable drain = () -> {
            StreamingInferenceSession<float[], O> s = session;
            long buffered = 0;
            if (s != null) {
                s.drainAndClose(server.limits.closeDrainTimeout().toNanos(), TimeUnit.NANOSECONDS);
                SessionStats st = s.stats();
                buffered = st.buffered();
                droppedAtClose = st.droppedClosed(); // only if the drain timed out
            }
            release(); // the slot is free before the client can see the end of the stream
            long bufferedFrames = buffered;
            ch.eventLoop().execute(() -> complete(status, end, bufferedFrames));
        };
        try {
            server.blocking.execute(drain);
        } catch (RejectedExecutionException e) {
            drain.run();
        }
    }

    private void complete(String status, long end, long buffered) {
        double secs = (end - start) / 1e9;
        ObjectNode o = Json.object();
        o.put("status", status);
        o.put("total_frames", delivered.get());
        o.put("duration_seconds", Json.round3(secs));
        o.put("avg_fps", secs <= 0 ? 0 : Json.round3(delivered.get() / secs));
        o.put("frames_generated", generated);
        o.put("frames_superseded", superseded);
        o.put("frames_refused", refused + droppedAtClose);
        o.put("frames_failed", failed.get());
        o.put("frames_buffered", buffered);
        o.put("events_not_sent", notSent.get());
        ch.write(new DefaultHttpContent(ByteBufUtil.writeUtf8(ch.alloc(), sse(o))), ch.voidPromise());
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    /** Any thread, idempotent: forgets the stream, frees its tier slot and closes its session. */
    void release() {
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
        }
        server.graceful.remove(this);
        server.unregister(live);
        server.releaseSlot(principal);
        StreamingInferenceSession<float[], O> s = session;
        if (s != null && !s.isClosed()) {
            try {
                server.blocking.execute(s::close);
            } catch (RejectedExecutionException e) {
                s.close();
            }
        }
        done.complete(null);
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        ch.eventLoop().execute(() -> finish("stopped: server shutting down"));
        return done;
    }
}
