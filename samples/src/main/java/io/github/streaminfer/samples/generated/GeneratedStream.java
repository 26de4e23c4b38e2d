package io.github.streaminfer.samples.generated;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.samples.detection.BoxPainter;
import io.github.streaminfer.samples.detection.TestScenes;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

import java.awt.image.BufferedImage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client of the generated-frame stream: on {@code start_streaming} it opens a session over the image-to-image
 * model and starts a producer thread that renders a scene every {@code 1/fps} s and submits it; the session's worker
 * encodes each output as JPEG and writes {@code frame_metadata} + the binary frame. A frame whose client is not
 * reading fast enough (its connection is not writable) is skipped and counted; the session is never held up. The
 * session is {@code LATEST_ONLY}: a frame the model cannot keep up with is replaced by the newer one and counted.
 *
 * <p><b>Note:</b> one instance per connection; Netty calls it on the connection's event loop.
 */
final class GeneratedStream extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LoadedModel model;
    private final StylizeModel shape;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean running;
    private Thread producer;

    GeneratedStream(LoadedModel model, StylizeModel shape) {
        this.model = model;
        this.shape = shape;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
        JsonNode msg;
        try {
            msg = JSON.readTree(frame.text());
        } catch (Exception e) {
            send(ctx.channel(), JSON.createObjectNode().put("type", "error").put("error", "malformed JSON"));
            return;
        }
        if (!msg.path("type").asText().equals("start_streaming")) {
            send(ctx.channel(), JSON.createObjectNode().put("type", "error")
                    .put("error", "type is '" + msg.path("type").asText() + "'; allowed: start_streaming"));
            return;
        }
        double fps = msg.path("fps").asDouble(30);
        double seconds = msg.path("seconds").asDouble(10);
        if (!(fps >= 1 && fps <= 120) || !(seconds > 0 && seconds <= 3600) || running) {
            send(ctx.channel(), JSON.createObjectNode().put("type", "error").put("error", running
                    ? "already streaming" : "fps is " + fps + ", seconds " + seconds
                    + "; allowed: fps 1 to 120, seconds > 0 to 3600"));
            return;
        }
        int total = (int) Math.round(fps * seconds);
        running = true;
        Channel ch = ctx.channel();
        send(ch, JSON.createObjectNode().put("type", "streaming_started").put("fps", fps).put("total_frames", total));
        send(ch, JSON.createObjectNode().put("type", "metadata").put("width", shape.width())
                .put("height", shape.height()).put("fps", fps).put("total_frames", total)
                .put("duration_seconds", seconds).put("format", "jpeg").put("model", "stylize (sepia + sharpen)"));
        producer = new Thread(() -> produce(ch, fps, total), "generated-" + ch.id().asShortText());
        producer.setDaemon(true);
        producer.start();
    }

    private void produce(Channel ch, double fps, int total) {
        long replaced = 0;
        try (StreamingInferenceSession<float[], FloatVector> session = StreamingInferenceSession
                .builder(model, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().name("generated-" + ch.id().asShortText())
                        .ingress(IngressPolicy.LATEST_ONLY).warmupIterations(5).build())
                .listener(result -> publish(ch, result))
                .build()) {
            long period = (long) (1e9 / fps);
            long next = System.nanoTime();
            for (int n = 0; n < total && running && ch.isActive(); n++) {
                session.submit(scene(n), n, System.nanoTime());
                next += period;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            session.drainAndClose(2, TimeUnit.SECONDS);
            replaced = session.stats().droppedReplaced();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running = false;
        }
        send(ch, JSON.createObjectNode().put("type", "streaming_completed").put("frames", sent.get())
                .put("skipped_slow_client", skipped.get()).put("replaced", replaced));
    }

    private float[] scene(int n) {
        BufferedImage im = TestScenes.frame(n, shape.width(), shape.height());
        int w = shape.width();
        int h = shape.height();
        float[] chw = new float[3 * w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            im.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                chw[y * w + x] = ((p >> 16) & 255) / 255f;
                chw[(h + y) * w + x] = ((p >> 8) & 255) / 255f;
                chw[(2 * h + y) * w + x] = (p & 255) / 255f;
            }
        }
        return chw;
    }

    /** Runs on the session's worker. */
    private void publish(Channel ch, InferenceResult<FloatVector> result) {
        if (!result.isSuccess() || !ch.isActive()) {
            return;
        }
        if (!ch.isWritable()) {
            skipped.incrementAndGet();
            return;
        }
        float[] v = result.value().array();
        int w = shape.width();
        int h = shape.height();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = Math.round(v[y * w + x] * 255);
                int g = Math.round(v[(h + y) * w + x] * 255);
                int b = Math.round(v[(2 * h + y) * w + x] * 255);
                row[x] = r << 16 | g << 8 | b;
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        byte[] jpeg = BoxPainter.jpeg(out, 0.85f);
        double processingMs = (System.nanoTime() - result.captureNanos()) / 1e6;
        ObjectNode meta = JSON.createObjectNode().put("type", "frame_metadata")
                .put("timestamp", System.currentTimeMillis()).put("frameNumber", result.frameId())
                .put("width", w).put("height", h).put("format", "jpeg")
                .put("processing_time_ms", Math.round(processingMs * 100) / 100.0).put("size", jpeg.length);
        ch.write(new TextWebSocketFrame(meta.toString()));
        ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(jpeg)));
        sent.incrementAndGet();
    }

    private static void send(Channel ch, ObjectNode msg) {
        if (ch.isActive()) {
            ch.writeAndFlush(new TextWebSocketFrame(msg.toString()));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        running = false;
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
