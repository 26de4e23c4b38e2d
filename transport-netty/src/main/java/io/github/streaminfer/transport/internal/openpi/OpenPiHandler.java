package io.github.streaminfer.transport.internal.openpi;

import io.github.streaminfer.msgpack.MsgpackWriter;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.ActionOut;
import io.github.streaminfer.transport.CloseCodes;
import io.github.streaminfer.transport.SessionRejectedException;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.LiveSession;
import io.github.streaminfer.transport.internal.http.Outbound;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.RateGate;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.SessionOpener;
import io.github.streaminfer.transport.internal.http.WsErrors;
import io.github.streaminfer.transport.openpi.NdArray;
import io.github.streaminfer.transport.openpi.OpenPiEndpoint;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * openpi's policy-server protocol for one connection: metadata on connect, then one msgpack action map per msgpack
 * observation. Errors are sent as a text message (openpi's client raises them), and the connection stays open.
 *
 * <p>Ordering: the metadata is always the first message. An observation that arrives while the session is still
 * opening is answered, after the metadata, by an error. Every observation gets exactly one reply: an action map,
 * or a text error if it was refused (limits, rate, full queue), superseded or failed.
 *
 * <p><b>Note:</b> messages on the event loop, results on the session worker, open/close on the blocking executor.
 *
 * @param <O> result value type
 */
public final class OpenPiHandler<O> extends SimpleChannelInboundHandler<WebSocketFrame>
        implements ResultListener<O>, ServerContext.Graceful {
    private static final Logger LOG = LoggerFactory.getLogger(OpenPiHandler.class);
    static final String ENDPOINT = "openpi";

    private final ServerContext server;
    private final OpenPiEndpoint<O> endpoint;
    private final AccessPolicy.Principal principal;
    private final LiveSession live;
    private final RateGate gate;
    private final ActionOut action = new ActionOut();
    private volatile ActionEncoder<O> encoder;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private ChannelHandlerContext ctx;
    private Outbound out;
    private volatile StreamingInferenceSession<OpenPiObservation, O> session;
    private volatile boolean ready;
    private long seq;
    private volatile long prevTotalNanos = -1;
    private boolean released;
    /** Observations that arrived before the metadata went out; each is answered right after it. */
    private int early;
    private boolean sessionClosed;

    private OpenPiHandler(ServerContext server, OpenPiEndpoint<O> endpoint, AccessPolicy.Principal principal) {
        this.server = server;
        this.endpoint = endpoint;
        this.principal = principal;
        this.live = server.register(ENDPOINT, principal);
        this.gate = new RateGate(principal.tier().maxFps(), server.messages.rateCatchUp().toNanos());
    }

    /**
     * Pre-handshake check: API key from {@code Authorization: Api-Key}, tier slot.
     *
     * @param server   server
     * @param endpoint endpoint
     * @param <O>      result type
     * @return the check
     */
    public static <O> Router.PreCheck admit(ServerContext server, OpenPiEndpoint<O> endpoint) {
        return (ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query) -> {
            AccessPolicy.Principal p = Http.authenticate(server, ctx.channel(), req, query);
            if (p == null) {
                return null;
            }
            if (!server.tryAcquireSlot(p)) {
                Http.error(ctx.channel(), req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name() + "' allows "
                        + p.tier().maxConcurrentSessions() + " concurrent session(s)");
                return null;
            }
            ChannelHandler h = new OpenPiHandler<>(server, endpoint, p);
            return h;
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.out = new Outbound(ctx.channel());
        live.outbound = out;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            if (released || !ctx.channel().isActive()) {
                return; // the client left during the handshake: nothing to open
            }
            server.graceful.add(this);
            SessionRequest r = new SessionRequest(ENDPOINT, live.id(), endpoint.factory().modelName(), 0,
                    principal.tier().maxFps(), principal, Map.of());
            encoder = endpoint.encoder().forSession(r);
            if (!SessionOpener.open(server, ctx.executor(), () -> endpoint.factory().open(r, this),
                    new SessionOpener.Outcome<StreamingInferenceSession<OpenPiObservation, O>>() {
                        @Override
                        public void opened(StreamingInferenceSession<OpenPiObservation, O> s) {
                            OpenPiHandler.this.opened(s);
                        }

                        @Override
                        public void refused(String message) {
                            notOpened(message);
                        }

                        @Override
                        public void failed() {
                            notOpened("could not open a session");
                        }

                        @Override
                        public void orphaned(StreamingInferenceSession<OpenPiObservation, O> s) {
                            s.close(); // the event loops have stopped: nobody is left to attach it
                        }
                    }, LOG, "openpi-open", "openpi")) {
                close(CloseCodes.INTERNAL_ERROR, "server busy");
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            close(CloseCodes.TIMEOUT, "idle timeout");
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /** The session could not be opened: the client reads why, then the connection closes. Event loop only. */
    private void notOpened(String message) {
        ctx.writeAndFlush(new TextWebSocketFrame(message));
        close(CloseCodes.INTERNAL_ERROR, "could not open a session");
    }

    /**
     * The session exists: attached here on the event loop, unless the connection was released while it opened, and
     * then closed at once. {@link #release} and this both run on the event loop, so one of them always closes it.
     */
    private void opened(StreamingInferenceSession<OpenPiObservation, O> s) {
        if (released || !ctx.channel().isActive()) {
            try {
                server.blocking.execute(s::close);
            } catch (RejectedExecutionException e) {
                s.close();
            }
            release();
            return;
        }
        session = s;
        live.session = s;
        ready = true;
        ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(Msgpack.encode(endpoint.metadata()))));
        for (; early > 0; early--) {
            error("message arrived before the metadata message; it was not processed (wait for the metadata)");
        }
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            out.flushPending();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        long arrival = System.nanoTime();
        server.counter("messages_received_total{endpoint=\"openpi\"}").increment();
        live.framesReceived.increment();
        if (!ready) {
            // the metadata must come first: answer this message, whatever it is, once it has gone out
            if (++early > SessionOpener.MAX_EARLY_MESSAGES) {
                close(CloseCodes.PROTOCOL_ERROR, "too many messages before the metadata message");
            }
            return;
        }
        if (!(frame instanceof BinaryWebSocketFrame)) {
            error("expected a binary msgpack observation, got a " + (frame instanceof TextWebSocketFrame
                    ? "text" : "non-data") + " message");
            return;
        }
        OpenPiObservation obs;
        try {
            Map<String, Object> values = Msgpack.decodeObservation(ByteBufUtil.getBytes(frame.content()),
                    endpoint.limits().maxEntries());
            String refused = overBudget(values);
            if (refused != null) {
                throw new ProtocolException("over_budget", refused);
            }
            obs = new OpenPiObservation(values);
        } catch (ProtocolException e) {
            live.invalidFrames.increment();
            server.counter("invalid_frames_total{endpoint=\"openpi\"}").increment();
            error(e.getMessage());
            return;
        }
        if (!gate.tryAcquire(arrival)) {
            live.rateLimited.increment();
            error("observation rejected: more than " + Json.fmt(gate.rate()) + " per second (tier '"
                    + principal.tier().name() + "')");
            return;
        }
        SubmitStatus st = session.submit(obs, ++seq, arrival);
        if (st == SubmitStatus.REJECTED_FULL || st == SubmitStatus.REPLACED_OLDEST) {
            // refused, or accepted in place of an older one that will now never run: either way one reply
            error("Frame queue full");
        } else if (st == SubmitStatus.RATE_LIMITED) {
            error("observation rejected by the session's max_fps");
        } else if (st == SubmitStatus.CLOSED) {
            error("session is closed");
        }
    }

    private String overBudget(Map<String, Object> values) {
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (e.getValue() instanceof NdArray a) {
                String why = endpoint.limits().check(e.getKey(), a);
                if (why != null) {
                    return why;
                }
            }
        }
        return null;
    }

    /** {@return the text error for a failed observation}: our own words; client text in it is escaped. */
    static String failureMessage(InferenceResult<?> r) {
        Throwable t = r.error();
        String m = t == null ? null : t.getMessage();
        if (r.failure() == InferenceResult.Failure.INVALID_INPUT) {
            return "invalid observation: " + Json.truncate(m, 300);
        }
        return "inference failed: " + (m == null ? "internal error" : Json.truncate(m, 300));
    }

    @Override
    public void onResult(InferenceResult<O> r) {
        if (!r.isSuccess()) {
            out.send(new TextWebSocketFrame(failureMessage(r)));
            return;
        }
        long total = r.publishedNanos() - r.captureNanos();
        live.latencySumNanos.add(total);
        live.latencyCount.increment();
        server.latency.recordValue(Math.max(0, total));
        action.clear();
        encoder.encode(r, action);
        byte[] bytes = encodeReply(action, total, prevTotalNanos, r.inferenceNanos());
        prevTotalNanos = total;
        out.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    /**
     * {@return the reply to one observation, as openpi's server shapes it}: {@code actions} (float32
     * {@code [horizon, dim]}), {@code server_timing} ({@code infer_ms}: arrival to result; {@code prev_total_ms}: the
     * previous reply's, once there is one) and {@code policy_timing} ({@code infer_ms}: the model alone;
     * {@code safety_score}).
     *
     * @param action          the encoded action chunk
     * @param totalNanos      arrival to result of this observation
     * @param prevTotalNanos  the previous observation's, or a negative value for the first
     * @param inferenceNanos  the model's run
     */
    public static byte[] encodeReply(ActionOut action, long totalNanos, long prevTotalNanos, long inferenceNanos) {
        int n = action.horizon() * action.dim();
        ByteBuffer data = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(action.values(), 0, n);
        MsgpackWriter p = new MsgpackWriter(n * 4 + 160);
        p.writeMapHeader(3);
        p.writeString("actions");
        Msgpack.writeNdArray(p, "<f4", new long[]{action.horizon(), action.dim()}, data);
        p.writeString("server_timing");
        p.writeMapHeader(prevTotalNanos >= 0 ? 2 : 1);
        p.writeString("infer_ms");
        p.writeDouble(totalNanos / 1e6);
        if (prevTotalNanos >= 0) {
            p.writeString("prev_total_ms");
            p.writeDouble(prevTotalNanos / 1e6);
        }
        p.writeString("policy_timing");
        p.writeMapHeader(2);
        p.writeString("infer_ms");
        p.writeDouble(inferenceNanos / 1e6);
        p.writeString("safety_score");
        p.writeDouble(action.safetyScore());
        return p.toByteArray();
    }

    private void error(String message) {
        server.counter("errors_sent_total{endpoint=\"openpi\"}").increment();
        if (ctx.channel().isActive()) {
            out.send(new TextWebSocketFrame(message));
        }
    }

    private void close(int code, String reason) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void release() {
        if (!released) {
            released = true;
            server.graceful.remove(this);
            server.unregister(live);
            server.releaseSlot(principal);
        }
        StreamingInferenceSession<OpenPiObservation, O> s = session;
        if (s == null) {
            // never opened, or still opening: opened() closes it once it exists
            done.complete(null);
            return;
        }
        if (sessionClosed) {
            return;
        }
        sessionClosed = true;
        try {
            server.blocking.execute(() -> {
                s.drainAndClose(server.limits.closeDrainTimeout().toNanos(), TimeUnit.NANOSECONDS);
                done.complete(null);
            });
        } catch (RejectedExecutionException e) {
            s.close();
            done.complete(null);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        out.dispose();
        release();
        super.channelInactive(ctx);
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        ctx.executor().execute(() -> {
            StreamingInferenceSession<OpenPiObservation, O> s = session;
            if (s == null) {
                close(CloseCodes.GOING_AWAY, "server shutting down");
                return;
            }
            server.blocking.execute(() -> {
                s.drainAndClose(server.limits.closeDrainTimeout().toNanos(), TimeUnit.NANOSECONDS);
                ctx.executor().execute(() -> {
                    out.flushPending();
                    close(CloseCodes.GOING_AWAY, "server shutting down");
                });
            });
        });
        return done;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        WsErrors.handle(ctx, cause, server, LOG, ENDPOINT);
    }

}
