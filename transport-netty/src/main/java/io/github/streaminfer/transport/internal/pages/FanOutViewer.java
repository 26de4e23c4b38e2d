package io.github.streaminfer.transport.internal.pages;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscriber of the camera fan-out, on a WebSocket ({@code frame_metadata} text message + binary JPEG) or an
 * SSE stream ({@code frame_metadata} event + {@code frame} event with the JPEG in base64). Its connection lives on
 * the fan-out's event loop, so everything it is sent is written there, metadata and image with one flush; a viewer
 * whose connection is not writable is skipped, and the frame counted as lost for it.
 *
 * <p><b>Note:</b> the writes run on the fan-out thread only; the counters may be read from any thread.
 */
public final class FanOutViewer {
    /** How a viewer receives frames. */
    public enum Kind {
        /** {@code /stream/view}: text metadata message, then the JPEG as a binary message. */
        WEBSOCKET,
        /** {@code /stream/view/events}: {@code frame_metadata} event, then a {@code frame} event (base64 JPEG). */
        SSE
    }

    final Channel channel;
    final String sessionId;
    final String id;
    final Kind kind;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    /** Set on the fan-out thread once the connection is registered there; until then it gets nothing. */
    boolean attached;

    FanOutViewer(Channel channel, String sessionId, String id, Kind kind) {
        this.channel = channel;
        this.sessionId = sessionId;
        this.id = id;
        this.kind = kind;
    }

    /** {@return this viewer's id} */
    public String id() {
        return id;
    }

    /** {@return frames delivered to this viewer} */
    public long sent() {
        return sent.get();
    }

    /** {@return frames this viewer lost because its connection was not writable when they were sent} */
    public long lost() {
        return lost.get();
    }

    /** {@return the connection, for tests and statistics} */
    public Channel channel() {
        return channel;
    }

    /**
     * {@return true if the viewer watches this camera}
     *
     * @param camera    the camera's session
     * @param newest    the newest camera's session, or null
     */
    boolean watches(String camera, String newest) {
        return sessionId == null ? camera.equals(newest) : camera.equals(sessionId);
    }

    /** {@return true if a frame written now would be taken: attached, open and below the high watermark} */
    boolean ready() {
        return attached && channel.isActive() && channel.isWritable();
    }

    /** Counts a frame this viewer could not take. */
    void missed() {
        lost.incrementAndGet();
    }

    /**
     * Writes one frame: this viewer's metadata, then the shared image, one flush.
     *
     * @param f the frame
     */
    void deliver(EncodedFrame f) {
        long n = sent.incrementAndGet();
        String meta = f.metadata(n + lost.get(), lost.get());
        if (kind == Kind.WEBSOCKET) {
            channel.write(new TextWebSocketFrame(meta));
            channel.write(new BinaryWebSocketFrame(f.jpeg()));
        } else {
            channel.write(new DefaultHttpContent(sseEvent(channel, "frame_metadata", meta)));
            channel.write(new DefaultHttpContent(f.sseFrame()));
        }
        channel.flush();
    }

    /**
     * Sends one control message ({@code viewer_connected}, {@code camera_closed}): a text message, or an SSE event
     * named after its type.
     *
     * @param type the message's {@code type}
     * @param json the message
     */
    void send(String type, String json) {
        if (!channel.isActive()) {
            return;
        }
        if (kind == Kind.WEBSOCKET) {
            channel.writeAndFlush(new TextWebSocketFrame(json));
        } else {
            channel.writeAndFlush(new DefaultHttpContent(sseEvent(channel, type, json)));
        }
    }

    private static ByteBuf sseEvent(Channel ch, String event, String json) {
        ByteBuf b = ch.alloc().buffer(16 + event.length() + json.length());
        b.writeCharSequence("event: ", StandardCharsets.US_ASCII);
        b.writeCharSequence(event, StandardCharsets.US_ASCII);
        b.writeCharSequence("\ndata: ", StandardCharsets.US_ASCII);
        ByteBufUtil.writeUtf8(b, json);
        b.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
        return b;
    }

    /** {@return the bytes waiting in this viewer's output (statistics; any thread)} */
    long pendingBytes() {
        var out = channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }
}
