package io.github.streaminfer.transport.internal.vla;

import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.ImageHeaders;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.LiveSession;
import io.github.streaminfer.transport.internal.http.Outbound;
import io.github.streaminfer.transport.internal.http.PreAuthFrameGuard;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.RateGate;
import io.github.streaminfer.transport.internal.http.ReplyLedger;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.WsErrors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.ActionOut;
import io.github.streaminfer.transport.CloseCodes;
import io.github.streaminfer.transport.SessionRejectedException;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The VLA seed's WebSocket protocol for one connection: {@code auth}, {@code frame} (base64 image or the binary
 * pair {@code frame_metadata} + JPEG), {@code stats}, {@code close} in; {@code connected}, {@code action},
 * {@code stats}, {@code error} out.
 *
 * <p>Every frame message gets exactly one reply, its {@code action} or an {@code error}: a frame the queue replaced,
 * refused or the rate limits turned away gets the seed's "Frame queue full" with a code naming the reason, and
 * {@link ReplyLedger} makes sure that the worker, this connection and the close never both answer one frame.
 *
 * <p><b>Note:</b> message handling runs on the connection's event loop; results arrive on the session's worker
 * ({@link #onResult}) and are written with {@link Outbound}; session open and close run on the server's blocking
 * executor. Nothing here blocks an event loop.
 *
 * @param <O> result value type
 */
public final class VlaHandler<O> extends SimpleChannelInboundHandler<WebSocketFrame>
        implements ResultListener<O>, ServerContext.Graceful {
    private static final Logger LOG = LoggerFactory.getLogger(VlaHandler.class);
    static final String ENDPOINT = "vla";
    private static final Set<String> AUTH_FIELDS = Set.of("type", "api_key", "model", "robot_type", "target_fps",
            "enable_smoothing", "enable_safety", "smoothing_alpha");
    /** Longest pose, and longest velocity, of a frame. */
    static final int MAX_STATE = 4096;

    private enum State { CONNECTING, AWAIT_AUTH, OPENING, ACTIVE, CLOSING, CLOSED }

    private final ServerContext server;
    private final VlaEndpoint<O> endpoint;
    private final ActionOut action = new ActionOut();
    /** Writes results and the errors of frames dropped unread: the session's worker only. */
    private final ActionMessageWriter replies = new ActionMessageWriter();
    /** Writes the "Frame queue full" errors the event loop sends. */
    private final ActionMessageWriter loopReplies = new ActionMessageWriter();
    private final LongAdder supersededErrors;
    private final LongAdder queueFullErrors;
    private final LongAdder rateLimitedErrors;
    private volatile ActionEncoder<O> encoder;
    private final FrameIds frameIds = new FrameIds();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private ChannelHandlerContext ctx;
    private Outbound out;
    private State state = State.CONNECTING;
    private ScheduledFuture<?> authTimer;
    private long frameSeq;
    private final FrameMessageReader reader;
    /** Byte budget of one encoded image: {@link io.github.streaminfer.transport.MessageLimits#maxImageBytes()}. */
    private final int maxImageBytes;
    /** Pixel budget of one image: the policy budget within the server's image limit. */
    private final long maxImagePixels;
    /** The connection's frames; created with the session, used by the worker's {@link #onResult}. */
    private volatile VlaFramePool frames;
    /** A frame_metadata waiting for its image: read by the reader (pendingSlot) or as a tree (pendingMeta). */
    private VlaFramePool.Slot pendingSlot;
    private ObjectNode pendingMeta;
    private long pendingMetaSeq;
    private Object pendingMetaId;
    private RateGate gate;
    private double targetFps;
    private AccessPolicy.Principal principal;
    private volatile LiveSession live;
    private volatile StreamingInferenceSession<VlaFrame, O> session;
    /** The session's owed replies and reply counts; a new one per auth. */
    private volatile ReplyLedger ledger;
    private Map<String, Object> connectedConfig;

    /**
     * @param server   server state
     * @param endpoint the endpoint
     */
    public VlaHandler(ServerContext server, VlaEndpoint<O> endpoint) {
        this.server = server;
        this.endpoint = endpoint;
        this.maxImageBytes = Math.min(server.limits.maxWebSocketFrameBytes(), server.messages.maxImageBytes());
        this.maxImagePixels = Math.min(server.limits.maxImagePixels(), server.messages.maxPolicyImagePixels());
        this.reader = new FrameMessageReader(maxImageBytes, maxImagePixels, endpoint.maxStateLength(), MAX_STATE);
        this.supersededErrors = errorCounter(ReplyLedger.SUPERSEDED);
        this.queueFullErrors = errorCounter(ReplyLedger.QUEUE_FULL);
        this.rateLimitedErrors = errorCounter(ReplyLedger.RATE_LIMITED);
    }

    private LongAdder errorCounter(String code) {
        return server.counter("errors_sent_total{endpoint=\"vla\",code=\"" + code + "\"}");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.out = new Outbound(ctx.channel());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            state = State.AWAIT_AUTH;
            server.graceful.add(this);
            authTimer = ctx.executor().schedule(this::authTimeout, server.limits.authTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (state == State.ACTIVE || state == State.AWAIT_AUTH) {
                closeWith(CloseCodes.TIMEOUT, "idle timeout: nothing received for "
                        + server.limits.idleTimeout().toSeconds() + " s");
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void authTimeout() {
        if (state == State.AWAIT_AUTH) {
            sendError(null, "auth_timeout", "no auth message within " + server.limits.authTimeout().toSeconds() + " s");
            closeWith(CloseCodes.TIMEOUT, "auth timeout");
        }
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
        if (state == State.CLOSING || state == State.CLOSED) {
            return;
        }
        server.counter("messages_received_total{endpoint=\"vla\"}").increment();
        if ((state == State.AWAIT_AUTH || state == State.CONNECTING)
                && frame.content().readableBytes() > server.messages.maxAuthMessageBytes()) {
            refuseBeforeAuth(frame.content().readableBytes());
            return;
        }
        if (frame instanceof TextWebSocketFrame) {
            onText(frame.content(), arrival);
        } else if (frame instanceof BinaryWebSocketFrame) {
            onBinary(frame.content(), arrival);
        }
    }

    private void onText(ByteBuf content, long arrival) {
        discardPendingFrame();
        if (state == State.ACTIVE && readFrame(content, arrival)) {
            return;
        }
        ObjectNode msg;
        try {
            msg = Json.parseObject(content, server.json);
        } catch (ProtocolException e) {
            protocolError(null, e);
            return;
        }
        JsonNode typeNode = msg.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            protocolError(null, new ProtocolException("missing_type", typeNode == null
                    ? "missing field 'type'; expected one of auth, frame, frame_metadata, stats, close"
                    : "field 'type' must be a string, got " + Json.kind(typeNode)));
            return;
        }
        String type = typeNode.textValue();
        switch (type) {
            case "auth":
                onAuth(msg);
                break;
            case "frame":
                onFrame(msg, arrival);
                break;
            case "frame_metadata":
                onMetadata(msg);
                break;
            case "stats":
                if (requireActive(null)) {
                    send(statsJson(false));
                }
                break;
            case "close":
                beginClose(CloseCodes.NORMAL, "session closed");
                break;
            default:
                protocolError(null, new ProtocolException("unknown_type", "unknown message type '"
                        + Json.truncate(type, 40) + "'; expected one of auth, frame, frame_metadata, stats, close"));
        }
    }

    /**
     * A message larger than any {@code auth} message came before authentication: it is refused unread (never parsed)
     * and the connection is closed with 1009, so that no unauthenticated client costs parsing time.
     */
    private void refuseBeforeAuth(int bytes) {
        int max = server.messages.maxAuthMessageBytes();
        sendError(null, "auth_too_large", "message of " + bytes + " bytes before authentication; allowed: at most "
                + max + " until the 'connected' message (MessageLimits.maxAuthMessageBytes)");
        closeWith(CloseCodes.MESSAGE_TOO_BIG, "message before auth larger than " + max + " bytes");
    }

    /** A text message came while a frame_metadata waited for its image: that frame is discarded. */
    private void discardPendingFrame() {
        PendingFrame p = takePendingFrame();
        if (p != null) {
            invalid();
            sendError(p.replyId(), "out_of_order", "expected the binary image for frame_metadata "
                    + p.described() + ", got a text message; that frame is discarded");
        }
    }

    /** The connection closes while a frame_metadata waits for its image: that frame is answered. */
    private void abandonPendingFrame() {
        PendingFrame p = takePendingFrame();
        if (p != null) {
            refused();
            sendError(p.replyId(), "session_closed", "session closed before the binary image of "
                    + p.described() + " arrived");
        }
    }

    /** A frame_metadata that lost its image: the id its reply carries, and how error messages name it. */
    private record PendingFrame(Object replyId, String described) {
    }

    /**
     * Forgets the frame_metadata waiting for its image and frees its slot.
     *
     * @return that frame, or null if none was waiting
     */
    private PendingFrame takePendingFrame() {
        if (pendingMeta == null && pendingSlot == null) {
            return null;
        }
        long seq = pendingMetaSeq;
        Object id = pendingMetaId;
        if (pendingSlot != null) {
            id = pendingSlot.clientId();
            frames.release(pendingSlot);
        }
        pendingMeta = null;
        pendingSlot = null;
        return new PendingFrame(id != null ? id : seq, describe(id, seq));
    }

    /**
     * Reads a frame or frame_metadata message of the usual shape without a tree into a pooled frame
     * ({@link FrameMessageReader}), and submits the frame or keeps it for its binary image.
     *
     * @return false if the message is left, untouched, to the general path
     */
    private boolean readFrame(ByteBuf content, long arrival) {
        VlaFramePool.Slot slot = frames.acquire();
        int kind = reader.read(content, slot);
        if (kind == FrameMessageReader.NOT_HANDLED) {
            frames.release(slot);
            return false;
        }
        long seq = ++frameSeq;
        if (live != null) {
            live.framesReceived.increment();
        }
        if (kind == FrameMessageReader.METADATA) {
            pendingSlot = slot;
            pendingMetaSeq = seq;
        } else {
            submit(slot, seq, arrival);
        }
        return true;
    }

    private void onBinary(ByteBuf content, long arrival) {
        if (pendingSlot != null) {
            onImage(content, arrival);
            return;
        }
        if (pendingMeta == null) {
            protocolError(null, new ProtocolException("out_of_order",
                    "binary message without a preceding frame_metadata message; send the JSON metadata first"));
            return;
        }
        ObjectNode meta = pendingMeta;
        pendingMeta = null;
        onFrameWith(meta, content, pendingMetaSeq, pendingMetaId, arrival);
    }

    /** The binary image of a frame_metadata read by {@link #readFrame}. */
    private void onImage(ByteBuf content, long arrival) {
        VlaFramePool.Slot slot = pendingSlot;
        pendingSlot = null;
        long seq = pendingMetaSeq;
        if (state != State.ACTIVE) {
            frames.release(slot);
            refused();
            requireActive(slot.replyId(seq));
            return;
        }
        try {
            ImageHeaders.checkBytes(content.readableBytes(), maxImageBytes);
            slot.copyImage(content);
            slot.probeImage(maxImagePixels);
        } catch (ProtocolException e) {
            frames.release(slot);
            invalid();
            protocolError(slot.replyId(seq), e);
            return;
        }
        submit(slot, seq, arrival);
    }

    private void onMetadata(ObjectNode msg) {
        long seq = ++frameSeq;
        if (live != null) {
            live.framesReceived.increment();
        }
        Object id;
        try {
            id = metadataId(msg);
        } catch (ProtocolException e) {
            invalid();
            protocolError(seq, e);
            return;
        }
        if (!requireActive(id != null ? id : seq)) {
            refused();
            return;
        }
        pendingMeta = msg;
        pendingMetaSeq = seq;
        pendingMetaId = id;
    }

    /**
     * Validates what a frame_metadata message says about its image (the rest is checked with the image).
     *
     * @param msg the message
     * @return the client's id of the frame ({@code frame_id}, else {@code frameNumber}), or null
     * @throws ProtocolException if the id or the format is invalid
     */
    static Object metadataId(ObjectNode msg) throws ProtocolException {
        Object id = FrameIds.parse(msg.get("frame_id"));
        if (id == null && msg.hasNonNull("frameNumber")) {
            JsonNode fn = msg.get("frameNumber");
            if (!fn.isIntegralNumber()) {
                throw new ProtocolException("invalid_field", "field 'frameNumber' must be an integer, got "
                        + Json.kind(fn));
            }
            id = fn.longValue();
        }
        String format = Json.text(msg, "format", "jpeg", 16);
        if (!format.equals("jpeg") && !format.equals("jpg") && !format.equals("png")) {
            throw new ProtocolException("invalid_field", "field 'format' is '" + Json.truncate(format, 16)
                    + "'; allowed: jpeg, png");
        }
        return id;
    }

    private void onFrame(ObjectNode msg, long arrival) {
        long seq = ++frameSeq;
        if (live != null) {
            live.framesReceived.increment();
        }
        Object id;
        try {
            id = FrameIds.parse(msg.get("frame_id"));
        } catch (ProtocolException e) {
            invalid();
            protocolError(seq, e);
            return;
        }
        onFrameWith(msg, null, seq, id, arrival);
    }

    private void onFrameWith(ObjectNode msg, ByteBuf binary, long seq, Object id, long arrival) {
        Object replyId = id != null ? id : seq;
        if (!requireActive(replyId)) {
            refused();
            return;
        }
        VlaFramePool.Slot slot = frames.acquire();
        try {
            parseFrame(msg, binary, slot, maxImageBytes, maxImagePixels, endpoint.maxStateLength());
        } catch (ProtocolException e) {
            frames.release(slot);
            invalid();
            protocolError(replyId, e);
            return;
        }
        slot.id(id);
        submit(slot, seq, arrival);
    }

    private void submit(VlaFramePool.Slot slot, long seq, long arrival) {
        ReplyLedger l = ledger;
        slot.putId(frameIds, seq); // before any reply about the frame, which echoes the client's id
        if (!gate.tryAcquire(arrival)) {
            frames.release(slot);
            live.rateLimited.increment();
            dropped(seq, l.rateLimited, ReplyLedger.RATE_LIMITED, rateLimitedErrors);
            return;
        }
        int entry = l.record(seq);
        if (entry < 0) {
            // more replies owed than the ledger holds: only a task that consumes frames without results gets here
            frames.release(slot);
            dropped(seq, l.queueFull, ReplyLedger.QUEUE_FULL, queueFullErrors);
            return;
        }
        SubmitStatus status = session.submit(slot.fillFrame(), seq, arrival);
        frames.submitted(slot, seq, status);
        if (status == SubmitStatus.ACCEPTED) {
            return;
        }
        if (status == SubmitStatus.REPLACED_OLDEST) {
            // this connection is the session's only producer, so the id is the frame its submit dropped; the worker
            // may have answered that frame already (see onResult), and then the claim fails
            long replaced = session.replacedFrameId();
            if (l.claim(replaced)) {
                dropped(replaced, l.superseded, ReplyLedger.SUPERSEDED, supersededErrors);
            }
            return;
        }
        l.cancel(entry, seq);
        switch (status) {
            case REJECTED_FULL:
                dropped(seq, l.queueFull, ReplyLedger.QUEUE_FULL, queueFullErrors);
                break;
            case RATE_LIMITED:
                dropped(seq, l.rateLimited, ReplyLedger.RATE_LIMITED, rateLimitedErrors);
                break;
            default:
                l.refused.increment();
                sendError(slot.replyId(seq), "session_closed", "session is " + session.state().name().toLowerCase()
                        + "; frame not accepted");
                // a failed session takes no more frames and will not answer the ones it cleared
                answerOwed(l);
        }
    }

    /**
     * Answers a frame the event loop dropped (rate limit, full queue) or knows the session dropped (replaced):
     * "Frame queue full" with the reason's code, written through the pooled writer.
     */
    private void dropped(long seq, LongAdder count, String code, LongAdder errors) {
        count.increment();
        errors.increment();
        sendDropped(loopReplies, seq, code);
    }

    /** Writes a "Frame queue full" error with {@code writer}, which belongs to the calling thread. */
    private void sendDropped(ActionMessageWriter writer, long seq, String code) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ByteBuf msg;
        try {
            msg = writer.error(ctx.alloc(), frameIds, seq, code, ReplyLedger.QUEUE_FULL_MESSAGE);
        } catch (IOException | RuntimeException e) {
            LOG.debug("VLA: could not encode the error of frame {}", seq, e);
            return;
        }
        out.send(new TextWebSocketFrame(msg));
    }

    /**
     * Answers every frame still owed with {@code session_closed}: once the session has closed or failed, nothing
     * else will. Any thread; the worker, should it still publish, finds its frame claimed and sends nothing.
     */
    private void answerOwed(ReplyLedger l) {
        for (long seq; (seq = l.claimBefore(Long.MAX_VALUE)) != 0; ) {
            l.refused.increment();
            sendError(frameIds.get(seq), "session_closed", "session closed before the frame was inferred");
        }
    }

    /**
     * The general path: validates a frame message's tree (or a frame_metadata's, with its binary image) into
     * {@code into}. Every error message about a frame's content comes from here.
     *
     * @param msg            the message
     * @param binary         the binary image of a frame_metadata, or null for a frame message
     * @param into           receives the frame (not its id)
     * @param limits         the server's limits
     * @param maxStateLength longest pose + velocity accepted (0: no check)
     * @throws ProtocolException what is wrong with the frame
     */
    static void parseFrame(ObjectNode msg, ByteBuf binary, VlaFramePool.Slot into, ServerLimits limits,
                           int maxStateLength) throws ProtocolException {
        parseFrame(msg, binary, into, limits.maxWebSocketFrameBytes(), limits.maxImagePixels(), maxStateLength);
    }

    /**
     * {@link #parseFrame(ObjectNode, ByteBuf, VlaFramePool.Slot, ServerLimits, int)} with explicit image budgets.
     *
     * @param msg            the message
     * @param binary         the binary image of a frame_metadata, or null for a frame message
     * @param into           receives the frame (not its id)
     * @param maxImageBytes  byte budget of the encoded image
     * @param maxPixels      pixel budget of the image
     * @param maxStateLength longest pose + velocity accepted (0: no check)
     * @throws ProtocolException what is wrong with the frame
     */
    static void parseFrame(ObjectNode msg, ByteBuf binary, VlaFramePool.Slot into, int maxImageBytes,
                           long maxPixels, int maxStateLength) throws ProtocolException {
        if (binary != null) {
            ImageHeaders.checkBytes(binary.readableBytes(), maxImageBytes);
            into.copyImage(binary);
        } else {
            String image = Json.requiredText(msg, "image");
            into.copyImage(ImageHeaders.decodeBase64("image", image, maxImageBytes));
        }
        into.probeImage(maxPixels);
        into.instruction = Json.text(msg, "instruction", "", 4096);
        float[] pose = new float[0];
        float[] velocity = new float[0];
        JsonNode rs = msg.get("robot_state");
        if (rs != null && !rs.isNull()) {
            if (!rs.isObject()) {
                throw new ProtocolException("invalid_field", "field 'robot_state' must be an object with 'pose' and "
                        + "'velocity' arrays, got " + Json.kind(rs));
            }
            ObjectNode o = (ObjectNode) rs;
            pose = Json.floats(o, "pose", "robot_state.pose", MAX_STATE);
            velocity = Json.floats(o, "velocity", "robot_state.velocity", MAX_STATE);
            if (maxStateLength > 0 && pose.length + velocity.length > maxStateLength) {
                throw new ProtocolException("invalid_state", "robot_state has " + (pose.length + velocity.length)
                        + " values (pose " + pose.length + " + velocity " + velocity.length
                        + "); this model accepts at most " + maxStateLength);
            }
        }
        into.pose(pose);
        into.velocity(velocity);
    }

    private boolean requireActive(Object frameId) {
        if (state == State.ACTIVE) {
            return true;
        }
        if (state == State.OPENING) {
            sendError(frameId, "not_ready", "session is starting; wait for the 'connected' message");
        } else {
            sendError(frameId, "not_authenticated", "not authenticated: send {\"type\": \"auth\", ...} first");
        }
        return false;
    }

    private void onAuth(ObjectNode msg) {
        if (state != State.AWAIT_AUTH) {
            sendError(null, "already_authenticated", "already authenticated; one auth per connection");
            return;
        }
        String key;
        String model;
        String robotType;
        double fps;
        boolean smoothing;
        boolean safety;
        double alpha;
        try {
            Json.onlyFields(msg, "auth", AUTH_FIELDS);
            key = Json.text(msg, "api_key", null, 512);
            model = Json.text(msg, "model", endpoint.defaultModel(), 256);
            robotType = Json.text(msg, "robot_type", "franka_panda", 256);
            fps = Json.number(msg, "target_fps", endpoint.defaultTargetFps(), 0.1, 1000);
            smoothing = Json.bool(msg, "enable_smoothing", true);
            safety = Json.bool(msg, "enable_safety", true);
            alpha = Json.number(msg, "smoothing_alpha", 0.3, 0.0, 1.0);
            if (alpha == 0) {
                throw new ProtocolException("invalid_field", "field 'smoothing_alpha' is 0; allowed: (0, 1]");
            }
        } catch (ProtocolException e) {
            protocolError(null, e);
            return;
        }
        AccessPolicy.Principal p = server.access.authenticate(key);
        if (p == null) {
            server.counter("auth_failures_total").increment();
            sendError(null, "unauthorized", key == null ? "missing api_key" : "invalid api_key");
            closeWith(CloseCodes.UNAUTHORIZED, key == null ? "missing api_key" : "invalid api_key");
            return;
        }
        if (p.tier().limitsFps() && fps > p.tier().maxFps()) {
            sendError(null, "fps_above_tier", "target_fps " + Json.fmt(fps) + " exceeds tier '" + p.tier().name()
                    + "' limit of " + Json.fmt(p.tier().maxFps()) + " fps; send auth again with a lower target_fps");
            return;
        }
        if (!server.tryAcquireSlot(p)) {
            String why = "tier '" + p.tier().name() + "' allows " + p.tier().maxConcurrentSessions()
                    + " concurrent session(s)";
            sendError(null, "too_many_sessions", why);
            closeWith(CloseCodes.FORBIDDEN, why);
            return;
        }
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        principal = p;
        targetFps = fps;
        gate = new RateGate(p.tier().maxFps(), server.messages.rateCatchUp().toNanos());
        LiveSession ls = server.register(ENDPOINT, p);
        ls.outbound = out;
        ReplyLedger l = new ReplyLedger();
        ls.replies = l;
        ledger = l;
        live = ls;
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("robot_type", robotType);
        options.put("enable_smoothing", smoothing);
        options.put("enable_safety", safety);
        options.put("smoothing_alpha", alpha);
        SessionRequest request = new SessionRequest(ENDPOINT, ls.id(), model, fps, p.tier().maxFps(), p, options);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("model", model);
        cfg.put("target_fps", fps);
        cfg.put("smoothing", smoothing);
        cfg.put("safety", safety);
        cfg.put("smoothing_alpha", alpha);
        cfg.put("robot_type", robotType);
        cfg.put("tier", p.tier().name());
        cfg.put("max_fps", p.tier().maxFps());
        connectedConfig = cfg;
        state = State.OPENING;
        if (ctx.pipeline().get(PreAuthFrameGuard.NAME) != null) {
            ctx.pipeline().remove(PreAuthFrameGuard.NAME); // authenticated: frames may be as large as the limits allow
        }
        encoder = endpoint.encoder().forSession(request);
        ls.safety = SafetyProbes.of(encoder);
        try {
            server.blocking.execute(() -> open(request));
        } catch (RejectedExecutionException e) {
            openFailed("server busy: cannot open a session now", CloseCodes.INTERNAL_ERROR);
        }
    }

    private void open(SessionRequest request) {
        StreamingInferenceSession<VlaFrame, O> s;
        try {
            s = endpoint.factory().open(request, this);
        } catch (SessionRejectedException e) {
            String m = e.getMessage();
            ctx.executor().execute(() -> openRejected(m));
            return;
        } catch (RuntimeException e) {
            server.warnings.warn(LOG, "vla-open", "VLA session {}: opening failed", request.sessionId(), e);
            ctx.executor().execute(() -> openFailed("could not open a session (internal error)",
                    CloseCodes.INTERNAL_ERROR));
            return;
        }
        try {
            ctx.executor().execute(() -> opened(s));
        } catch (RejectedExecutionException e) {
            s.close(); // the event loops have stopped: nobody is left to attach it
        }
    }

    /**
     * The session exists. Whichever of this and {@link #finish} runs last closes it: both run on the event loop, and
     * a session that opens after its connection finished is closed here, never attached.
     */
    private void opened(StreamingInferenceSession<VlaFrame, O> s) {
        LiveSession ls = live;
        if (ls == null || state == State.CLOSED) {
            closeSession(s); // the connection finished while the session was opening
            return;
        }
        frames = new VlaFramePool(s.config().ingress().kind() == IngressPolicy.Kind.LATEST_ONLY);
        ledger.open(s.config().ingress().capacity());
        session = s;
        ls.session = s;
        if (state != State.OPENING || !ctx.channel().isActive()) {
            if (state == State.CLOSING) {
                return; // beginClose, or finish once the channel is gone, will find it
            }
            finish(false);
            return;
        }
        state = State.ACTIVE;
        ObjectNode o = Json.object();
        o.put("type", "connected");
        o.put("session_id", live.id());
        o.put("status", "ready");
        o.set("config", Json.MAPPER.valueToTree(connectedConfig));
        sendAlways(o);
    }

    private void openRejected(String message) {
        releaseLive();
        if (state == State.OPENING) {
            state = State.AWAIT_AUTH;
            sendError(null, "session_rejected", message);
        }
    }

    private void openFailed(String message, int code) {
        releaseLive();
        sendError(null, "internal_error", message);
        closeWith(code, "internal error");
    }

    private void releaseLive() {
        LiveSession ls = live;
        if (ls != null) {
            server.unregister(ls);
            server.releaseSlot(principal);
            live = null;
        }
    }

    // ------------------------------------------------------------------------------------------------ results

    @Override
    public void onResult(InferenceResult<O> r) {
        long seq = r.frameId();
        try {
            ReplyLedger l = ledger;
            // the session takes frames in submission order: every earlier frame still owed was dropped unread
            // (consumed by the task without a result, or replaced by a submit that has not claimed it yet)
            for (long d; (d = l.claimBefore(seq)) != 0; ) {
                l.superseded.increment();
                supersededErrors.increment();
                sendDropped(replies, d, ReplyLedger.SUPERSEDED);
            }
            if (l.claim(seq)) {
                sendResult(r, l);
            }
        } finally {
            VlaFramePool f = frames;
            if (f != null) {
                f.completed(seq); // the session is done with this frame and every earlier one
            }
        }
    }

    private void sendResult(InferenceResult<O> r, ReplyLedger l) {
        LiveSession ls = live;
        long latency = r.publishedNanos() - r.captureNanos();
        ByteBuf msg;
        try {
            if (r.isSuccess()) {
                action.clear();
                encoder.encode(r, action);
                msg = replies.action(ctx.alloc(), frameIds, r.frameId(), System.currentTimeMillis(), action, latency);
                l.actions.increment();
                if (ls != null) {
                    ls.latencySumNanos.add(latency);
                    ls.latencyCount.increment();
                }
                server.latency.recordValue(Math.max(0, latency));
            } else {
                String code = r.failure() == InferenceResult.Failure.INVALID_INPUT ? "invalid_input"
                        : "inference_failed";
                msg = replies.error(ctx.alloc(), frameIds, r.frameId(), code, failureMessage(r));
                l.failed.increment();
            }
        } catch (IOException | RuntimeException e) {
            l.failed.increment();
            server.warnings.warn(LOG, "vla-encode", "VLA session {}: could not encode the result of frame {}",
                    ls == null ? "?" : ls.id(), r.frameId(), e);
            ObjectNode o = Json.object();
            o.put("type", "error");
            o.put("code", "internal_error");
            o.put("message", "could not encode the result (internal error)");
            Object id = frameIds.get(r.frameId());
            if (id instanceof String s) {
                o.put("frame_id", s);
            } else {
                o.put("frame_id", ((Number) id).longValue());
            }
            out.send(new TextWebSocketFrame(Json.encode(ctx.alloc(), o)));
            return;
        }
        out.send(new TextWebSocketFrame(msg));
    }

    public static String failureMessage(InferenceResult<?> r) {
        Throwable t = r.error();
        String m = t == null ? null : t.getMessage();
        if (r.failure() == InferenceResult.Failure.INVALID_INPUT) {
            return "invalid frame: " + Json.truncate(m, 300);
        }
        return "inference failed: " + Json.truncate(m, 300);
    }

    // ------------------------------------------------------------------------------------------------ stats & close

    private ObjectNode statsJson(boolean last) {
        LiveSession ls = live;
        SessionStats st = session.stats();
        ReplyLedger l = ledger;
        long total = ls.framesReceived.sum();
        ObjectNode o = Json.object();
        o.put("type", "stats");
        o.put("session_id", ls.id());
        o.put("runtime_seconds", round3(st.runtimeSeconds()));
        o.put("total_frames", total);
        l.putDropped(o, total);
        o.put("target_fps", targetFps);
        o.put("actual_fps", round3(st.actualFps()));
        o.put("avg_latency_ms", round3(ls.avgLatencyMillis()));
        o.put("frame_queue_size", st.queued());
        o.put("action_queue_size", out.waiting());
        l.putBreakdown(o, total, ls.invalidFrames.sum(), "actions_sent");
        o.put("actions_superseded", out.conflated());
        if (last) {
            o.put("final", true);
        }
        return o;
    }

    public static double round3(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    /**
     * Finishes accepted frames (bounded), answers those that did not finish with {@code session_closed}, sends
     * final stats, closes with {@code code}. Event loop only.
     */
    private void beginClose(int code, String reason) {
        if (state == State.CLOSING || state == State.CLOSED) {
            return;
        }
        State before = state;
        state = State.CLOSING;
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        if (before != State.ACTIVE && before != State.OPENING) {
            closeWith(code, reason);
            return;
        }
        abandonPendingFrame();
        long drainNanos = server.limits.closeDrainTimeout().toNanos();
        try {
            server.blocking.execute(() -> {
                StreamingInferenceSession<VlaFrame, O> s = awaitSession(drainNanos);
                if (s != null) {
                    s.drainAndClose(drainNanos, TimeUnit.NANOSECONDS);
                    answerOwed(ledger);
                }
                ctx.executor().execute(() -> {
                    out.flushPending();
                    if (session != null && ctx.channel().isActive()) {
                        sendAlways(statsJson(true));
                    }
                    closeWith(code, reason);
                });
            });
        } catch (RejectedExecutionException e) {
            closeWith(code, reason);
        }
    }

    private StreamingInferenceSession<VlaFrame, O> awaitSession(long nanos) {
        long deadline = System.nanoTime() + nanos;
        StreamingInferenceSession<VlaFrame, O> s;
        while ((s = session) == null && live != null && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return s;
    }

    private void closeWith(int code, String reason) {
        state = State.CLOSING;
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        finish(true);
        super.channelInactive(ctx);
    }

    private void finish(boolean channelGone) {
        state = State.CLOSED;
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        StreamingInferenceSession<VlaFrame, O> s = session;
        LiveSession ls = live;
        if (ls != null) {
            live = null;
            server.unregister(ls);
            server.releaseSlot(principal);
        }
        closeSession(s);
        if (channelGone) {
            out.dispose();
            server.graceful.remove(this);
            closed.complete(null);
        }
    }

    /** Closes a session on the blocking executor (here if that is shut down); null and closed ones are skipped. */
    private void closeSession(StreamingInferenceSession<VlaFrame, O> s) {
        if (s != null && !s.isClosed()) {
            try {
                server.blocking.execute(s::close);
            } catch (RejectedExecutionException e) {
                s.close();
            }
        }
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        ctx.executor().execute(() -> beginClose(CloseCodes.GOING_AWAY, "server shutting down"));
        return closed;
    }

    // ------------------------------------------------------------------------------------------------ errors

    private void invalid() {
        LiveSession ls = live;
        if (ls != null) {
            ls.invalidFrames.increment();
        }
        server.counter("invalid_frames_total{endpoint=\"vla\"}").increment();
    }

    /** Counts a frame answered with not_ready, not_authenticated or session_closed. */
    private void refused() {
        ReplyLedger l = ledger;
        if (live != null && l != null) {
            l.refused.increment();
        }
    }

    private void protocolError(Object frameId, ProtocolException e) {
        sendError(frameId, e.code(), e.getMessage());
    }

    private void sendError(Object frameId, String code, String message) {
        server.counter("errors_sent_total{endpoint=\"vla\",code=\"" + code + "\"}").increment();
        ObjectNode o = Json.object();
        o.put("type", "error");
        o.put("code", code);
        o.put("message", message);
        if (frameId instanceof String s) {
            o.put("frame_id", s);
        } else if (frameId instanceof Number n) {
            o.put("frame_id", n.longValue());
        }
        send(o);
    }

    /** Replies and errors: written at once while the client reads, conflated (newest wins) while it does not. */
    private void send(ObjectNode o) {
        if (ctx.channel().isActive()) {
            out.send(new TextWebSocketFrame(Json.encode(ctx.alloc(), o)));
        }
    }

    /** Messages that must not be dropped (connected, final stats): bounded, one per session. */
    private void sendAlways(ObjectNode o) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new TextWebSocketFrame(Json.encode(ctx.alloc(), o)), ctx.voidPromise());
        }
    }

    private static String describe(Object id, long seq) {
        return id != null ? "frame_id " + id : "frame " + seq;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        WsErrors.handle(ctx, cause, server, LOG, ENDPOINT);
    }
}
