package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.CloseCodes;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.EncodedImages;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.OffLoopWork;
import io.github.streaminfer.transport.internal.http.Outbound;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.ReplyLedger;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;

import java.util.concurrent.TimeUnit;

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
public final class VlaHandler<O> extends VlaConnection<O> {

    /**
     * @param server   server state
     * @param endpoint the endpoint
     */
    public VlaHandler(ServerContext server, VlaEndpoint<O> endpoint) {
        super(server, endpoint);
    }

    /** Large text messages, parsed on the server's parse threads; null until the handler is added. */
    private OffLoopWork offLoop;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.out = new Outbound(ctx.channel());
        this.offLoop = new OffLoopWork(ctx.channel(), server.parsing, this::handle);
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
        if (offLoop.busy()) {
            offLoop.hold(frame, arrival); // behind the large message being parsed
            return;
        }
        handle(frame, arrival);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        offLoop.discard();
        super.channelInactive(ctx);
    }

    private void handle(WebSocketFrame frame, long arrival) {
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
        if (state == State.ACTIVE && content.readableBytes() >= server.messages.parseOffLoopBytes()) {
            parseOffLoop(content, arrival);
            return;
        }
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
        dispatch(msg, arrival, null);
    }

    /**
     * A large message: read on the parse threads into a pooled frame, as {@link #readFrame} and the tree path would
     * on the event loop, including the base64 image; the event loop goes on with {@link #parsed}.
     */
    private void parseOffLoop(ByteBuf content, long arrival) {
        server.counter("messages_parsed_off_loop_total{endpoint=\"vla\"}").increment();
        VlaFramePool.Slot slot = frames.acquire();
        ByteBuf message = content.retain();
        offLoop.submit(() -> {
            try {
                return LargeText.read(message, slot, reader, server.json, maxImageBytes, maxImagePixels,
                        endpoint.maxStateLength());
            } finally {
                message.release();
            }
        }, r -> parsed(r, arrival));
    }

    private void parsed(LargeText r, long arrival) {
        if (state != State.ACTIVE) { // closing: like any message that arrives then, it gets no answer
            frames.release(r.slot());
            return;
        }
        if (r.kind() != FrameMessageReader.NOT_HANDLED) {
            accept(r.kind(), r.slot(), arrival);
            return;
        }
        if (!r.isFrame()) {
            frames.release(r.slot());
        }
        if (r.jsonError() != null) {
            protocolError(null, r.jsonError());
            return;
        }
        dispatch(r.tree(), arrival, r.isFrame() ? r : null);
    }

    /** A message read as a tree; {@code large} is the frame a large message was already read into, if it is one. */
    private void dispatch(ObjectNode msg, long arrival, LargeText large) {
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
                onFrame(msg, arrival, large);
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
        accept(kind, slot, arrival);
        return true;
    }

    /** A frame or frame_metadata read into {@code slot}: submitted, or kept for its binary image. */
    private void accept(int kind, VlaFramePool.Slot slot, long arrival) {
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
        onFrameWith(meta, content, pendingMetaSeq, pendingMetaId, arrival, null);
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
            EncodedImages.checkBytes(content.readableBytes(), maxImageBytes);
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
            id = FrameTreeReader.metadataId(msg);
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

    private void onFrame(ObjectNode msg, long arrival, LargeText large) {
        long seq = ++frameSeq;
        if (live != null) {
            live.framesReceived.increment();
        }
        Object id;
        try {
            id = FrameIds.parse(msg.get("frame_id"));
        } catch (ProtocolException e) {
            if (large != null) {
                frames.release(large.slot());
            }
            invalid();
            protocolError(seq, e);
            return;
        }
        onFrameWith(msg, null, seq, id, arrival, large);
    }

    private void onFrameWith(ObjectNode msg, ByteBuf binary, long seq, Object id, long arrival, LargeText large) {
        Object replyId = id != null ? id : seq;
        if (!requireActive(replyId)) {
            if (large != null) {
                frames.release(large.slot());
            }
            refused();
            return;
        }
        VlaFramePool.Slot slot = large != null ? large.slot() : frames.acquire();
        ProtocolException refusal = large != null ? large.frameError() : null;
        if (large == null) {
            try {
                FrameTreeReader.parseFrame(msg, binary, slot, maxImageBytes, maxImagePixels,
                        endpoint.maxStateLength());
            } catch (ProtocolException e) {
                refusal = e;
            }
        }
        if (refusal != null) {
            frames.release(slot);
            invalid();
            protocolError(replyId, refusal);
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
}
