package io.github.streaminfer.media;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.image.PooledFrame;
import io.github.streaminfer.task.ImageFrame;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.task.RawImage;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Lets a {@link FrameSource} feed a built-in image task ({@code ClassifierTask}, {@code DetectionTask},
 * {@code PolicyTask}, or any {@code InferenceTask<ImageFrame, O>}): each {@link PooledFrame} is acquired, shown
 * to the wrapped task as an {@link ImageFrame} (encoded bytes in place; raw pixels copied into a reused BGR/RGB
 * array), preprocessed, and released back to its source's pool. A frame its source reclaimed for a newer one before
 * the worker reached it (see {@link io.github.streaminfer.exceptions.FrameSupersededException}) is skipped: the session
 * counts it as consumed without a result ({@code buffered}), not as a failure.
 *
 * <pre>{@code
 * var task = PooledFrameTask.wrap(ClassifierTask.builder(spec).build());
 * try (var session = StreamingInferenceSession.builder(model, task).build();
 *      var camera = FrameSource.camera(0, FrameSourceConfig.builder().fps(30).build())) {
 *     camera.start(session);
 * }
 * }</pre>
 *
 * <p><b>Note:</b> like any task, one instance per session, used by its worker only.
 *
 * @param <O> result type of the wrapped task
 * @since 0.1.0
 */
public final class PooledFrameTask<O> implements InferenceTask<PooledFrame, O> {
    private final InferenceTask<ImageFrame, O> inner;
    private final ImageFrame view = new ImageFrame();
    private byte[] pixels = new byte[0];
    private RawImage raw;
    private boolean superseded;

    private PooledFrameTask(InferenceTask<ImageFrame, O> inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /**
     * {@return the adapter}
     *
     * @param inner the image task to feed
     * @param <O>   its result type
     */
    public static <O> PooledFrameTask<O> wrap(InferenceTask<ImageFrame, O> inner) {
        return new PooledFrameTask<>(inner);
    }

    /** {@return the wrapped task} */
    public InferenceTask<ImageFrame, O> inner() {
        return inner;
    }

    @Override
    public void bind(ModelSignature model) {
        inner.bind(model);
    }

    @Override
    public long[] inputShape(TensorSpec spec) {
        return inner.inputShape(spec);
    }

    @Override
    public boolean writesInput(String inputName) {
        return inner.writesInput(inputName);
    }

    @Override
    public O newOutput() {
        return inner.newOutput();
    }

    @Override
    public void preprocess(PooledFrame frame, Tensor[] inputs) {
        // a frame its source reclaimed for a newer one before this worker reached it is skipped, not reported: no
        // byte of it was read, and the newer frame is already queued or on its way
        superseded = !frame.tryAcquire();
        if (superseded) {
            return;
        }
        try {
            if (frame.isEncoded()) {
                view.setEncoded(frame.data());
            } else {
                view.setRaw(toRaw(frame));
            }
            inner.preprocess(view, inputs);
        } finally {
            frame.release();
        }
    }

    private RawImage toRaw(PooledFrame frame) {
        int w = frame.width();
        int h = frame.height();
        int rowBytes = w * 3;
        if (pixels.length != rowBytes * h) {
            pixels = new byte[rowBytes * h];
            raw = null;
        }
        ByteBuffer src = frame.data();
        int stride = frame.rowStride();
        if (frame.format() == PixelFormat.GRAY) {
            for (int y = 0; y < h; y++) {
                for (int x = 0, o = y * rowBytes; x < w; x++, o += 3) {
                    byte v = src.get(y * stride + x);
                    pixels[o] = v;
                    pixels[o + 1] = v;
                    pixels[o + 2] = v;
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                src.get(y * stride, pixels, y * rowBytes, rowBytes);
            }
        }
        PixelFormat f = frame.format() == PixelFormat.RGB ? PixelFormat.RGB : PixelFormat.BGR;
        if (raw == null || raw.width() != w || raw.height() != h || raw.format() != f) {
            raw = new RawImage(w, h, f, pixels);
        }
        return raw;
    }

    @Override
    public void decode(Tensor[] outputs, O into) {
        inner.decode(outputs, into);
    }

    @Override
    public boolean ready() {
        return !superseded && inner.ready();
    }

    @Override
    public void reset() {
        inner.reset();
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public String toString() {
        return "PooledFrameTask[" + inner + "]";
    }
}
