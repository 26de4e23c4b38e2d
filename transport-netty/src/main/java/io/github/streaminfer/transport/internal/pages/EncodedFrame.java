package io.github.streaminfer.transport.internal.pages;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One annotated frame as the viewers get it, encoded once and shared by all of them: the JPEG (a WebSocket viewer's
 * binary message), the same JPEG as an SSE {@code frame} event (base64, made on first use, only if an SSE viewer
 * takes the frame), and the metadata every viewer's {@code frame_metadata} starts with. Each viewer writes retained
 * duplicates of the buffers, so a frame's bytes exist once however many viewers hold it in their output.
 *
 * <p><b>Note:</b> confined to the fan-out thread; the buffers it hands out are safe to write from there.
 */
final class EncodedFrame {
    private static final byte[] SSE_FRAME = "event: frame\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SSE_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    /** Its number among the frames this camera sent to viewers, from 1. */
    final long sequence;
    /** The metadata fields every viewer shares, as a JSON object without its closing brace. */
    final String metadataPrefix;
    private final ByteBuf jpeg;
    private ByteBuf sse;

    EncodedFrame(long sequence, byte[] jpeg, String metadataPrefix) {
        this.sequence = sequence;
        this.jpeg = Unpooled.wrappedBuffer(jpeg);
        this.metadataPrefix = metadataPrefix;
    }

    /** {@return a retained duplicate of the JPEG, for one viewer's binary message} */
    ByteBuf jpeg() {
        return jpeg.retainedDuplicate();
    }

    /** {@return a retained duplicate of the SSE {@code frame} event (base64 JPEG), encoded on the first call} */
    ByteBuf sseFrame() {
        if (sse == null) {
            byte[] b64 = Base64.getEncoder().encode(ByteBufUtil.getBytes(jpeg, jpeg.readerIndex(),
                    jpeg.readableBytes(), false));
            sse = Unpooled.wrappedBuffer(SSE_FRAME, b64, SSE_END);
        }
        return sse.retainedDuplicate();
    }

    /** {@return the bytes this frame occupies: the JPEG and, once made, its SSE event} */
    int bytes() {
        return jpeg.readableBytes() + (sse == null ? 0 : sse.readableBytes());
    }

    /** {@return true once neither the fan-out nor any viewer's output holds this frame} */
    boolean released() {
        return jpeg.refCnt() == 0 && (sse == null || sse.refCnt() == 0);
    }

    /** {@return one viewer's metadata JSON: the shared fields, its frame number and the frames it lost} */
    String metadata(long frameNumber, long framesLost) {
        return metadataPrefix + ",\"frameNumber\":" + frameNumber + ",\"frames_lost\":" + framesLost + '}';
    }

    /** Drops the fan-out's own reference; viewers' outputs keep theirs until written. */
    void release() {
        jpeg.release();
        if (sse != null) {
            sse.release();
        }
    }
}
