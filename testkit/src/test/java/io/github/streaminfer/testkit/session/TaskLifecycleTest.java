package io.github.streaminfer.testkit.session;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.JavaImageDecoder;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.ClassifierTask;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.ScriptedModel;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.github.streaminfer.testkit.session.SessionTestSupport.affine;
import static org.assertj.core.api.Assertions.assertThat;

/** A session closes its task exactly once, and a task's own resources (its image decoder) go with it. */
class TaskLifecycleTest {

    /** Delegates to {@link FloatArrayTask} and counts {@link #close()} calls, optionally failing in it. */
    static final class CountingTask implements InferenceTask<float[], FloatVector> {
        final FloatArrayTask delegate = FloatArrayTask.firstInputOutput();
        final AtomicInteger closes = new AtomicInteger();
        final boolean failOnClose;

        CountingTask(boolean failOnClose) {
            this.failOnClose = failOnClose;
        }

        @Override
        public void bind(ModelSignature model) {
            delegate.bind(model);
        }

        @Override
        public FloatVector newOutput() {
            return delegate.newOutput();
        }

        @Override
        public void preprocess(float[] observation, Tensor[] inputs) {
            delegate.preprocess(observation, inputs);
        }

        @Override
        public void decode(Tensor[] outputs, FloatVector into) {
            delegate.decode(outputs, into);
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            if (failOnClose) {
                throw new IllegalStateException("task close failed on purpose");
            }
        }
    }

    @Test
    void closingTheSessionClosesTheTaskOnce() {
        CountingTask task = new CountingTask(false);
        StreamingInferenceSession<float[], FloatVector> s = StreamingInferenceSession.builder(affine(3).build(), task)
                .build();
        s.submit(new float[] {1, 2, 3});
        assertThat(task.closes).hasValue(0);
        s.close();
        s.close();
        assertThat(task.closes).hasValue(1);
    }

    @Test
    void aTaskThatFailsToCloseIsReportedAndTheSessionStillCloses() {
        CountingTask task = new CountingTask(true);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        StreamingInferenceSession<float[], FloatVector> s = StreamingInferenceSession.builder(affine(3).build(), task)
                .errorHandler((session, frame, e) -> errors.add(e)).build();
        s.close();
        assertThat(s.isClosed()).isTrue();
        assertThat(task.closes).hasValue(1);
        assertThat(errors).singleElement().extracting(Throwable::getMessage)
                .isEqualTo("task close failed on purpose");
    }

    @Test
    void anImageTaskClosesItsDecoderWithTheSession() {
        AtomicInteger decoderCloses = new AtomicInteger();
        ImageDecoder decoder = new ClosingCountDecoder(new JavaImageDecoder(), decoderCloses);
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 3, 8, 8)
                .output("y", DType.FLOAT32, 1, 2).script(ScriptedModel.Script.noop()).build();
        ClassifierTask task = ClassifierTask.builder(ImageSpec.builder(8, 8).build()).decoder(decoder).build();
        StreamingInferenceSession<?, ?> s = StreamingInferenceSession.builder(model, task).build();
        assertThat(decoderCloses).hasValue(0);
        s.close();
        assertThat(decoderCloses).hasValue(1);
    }

    /** Forwards to a real decoder and counts {@link #close()} calls. */
    private record ClosingCountDecoder(ImageDecoder d, AtomicInteger closes) implements ImageDecoder {
        @Override
        public String id() {
            return d.id();
        }

        @Override
        public int priority() {
            return d.priority();
        }

        @Override
        public boolean isAvailable() {
            return d.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return d.unavailabilityCause();
        }

        @Override
        public ImageDecoder newInstance() {
            return d.newInstance();
        }

        @Override
        public ImageGeometry probe(ByteBuffer encoded, ImageSpec spec, ImageGeometry dst) {
            return d.probe(encoded, spec, dst);
        }

        @Override
        public ImageGeometry decodeInto(ByteBuffer encoded, ImageSpec spec, Tensor tensor, long elementOffset,
                                        ImageGeometry geometry) {
            return d.decodeInto(encoded, spec, tensor, elementOffset, geometry);
        }

        @Override
        public ImageGeometry fitInto(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat format,
                                     ImageSpec spec, Tensor tensor, long elementOffset, ImageGeometry geometry) {
            return d.fitInto(pixels, width, height, rowStride, format, spec, tensor, elementOffset, geometry);
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            d.close();
        }
    }
}
