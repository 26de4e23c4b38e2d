package io.github.streaminfer.samples;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.samples.emg.EmgClassifier;
import io.github.streaminfer.samples.emg.EmgSignal;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.DetectionTask;
import io.github.streaminfer.task.Detections;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.detection.DetectionEncoder;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionImage;
import io.github.streaminfer.transport.detection.DetectionSettings;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.SignalEndpoint;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server the browser samples run: the EMG gesture classifier on the signal SSE endpoint (8 channels, 200-sample
 * windows sliding by 100 at 2 kHz) and a synthetic detector (320 × 320, labels {@code crack}, {@code pothole}) on the
 * detection WebSocket, both on the embedded ONNX Runtime backend, with the dashboard, camera and viewer pages. A
 * knob slows the detector down on purpose ({@link #slowDetector}) to show adaptive streaming at work.
 *
 * <p><b>Note:</b> thread-safe; {@link #close()} stops the server and frees the models.
 */
public final class DemoServer implements AutoCloseable {
    private final LoadedModel emg;
    private final LoadedModel detector;
    private final AtomicLong detectorDelayMillis = new AtomicLong();
    private final StreamingServer server;

    /**
     * Loads the models and starts the server.
     *
     * @param host   address to bind
     * @param port   port, 0 for an ephemeral one
     * @param access API keys, or {@link AccessPolicy#OPEN}
     */
    public DemoServer(String host, int port, AccessPolicy access) {
        InferenceBackend onnx = io.github.streaminfer.backend.Backends.require("onnx");
        this.emg = onnx.load(ModelSource.ofBytes("emg-band-power.onnx", EmgClassifier.bytes()), ModelOptions.DEFAULT);
        float[] p = {40, 60, 140, 200, 0.55f, 0, 180, 100, 300, 180, 0.30f, 1, 50, 70, 150, 210, 0.10f, 0};
        float[] q = {0, 0, 0, 0, 0.4f, 0, 0, 0, 0, 0, 0.6f, 0, 0, 0, 0, 0, 0.1f, 0};
        this.detector = onnx.load(ModelSource.ofBytes("synthetic-detector.onnx",
                new SyntheticModels.Detector(320, new long[] {3, 6}, p, q).bytes()), ModelOptions.DEFAULT);
        SessionFactory<float[], FloatVector> emgFactory = SessionFactory.named("onnx", "emg-band-power",
                (req, listener) -> StreamingInferenceSession.builder(emg, FloatArrayTask.firstInputOutput())
                        .config(SessionConfig.DEFAULT.toBuilder().name("emg-" + req.sessionId())
                                .ingress(IngressPolicy.rejectNewest(64)).build())
                        .listener(listener).build());
        SessionFactory<DetectionImage, Detections> detFactory = SessionFactory.named("onnx", "synthetic-detector",
                (req, listener) -> StreamingInferenceSession.builder(detector, new Detector(
                                req.number("confidence_threshold", 0.5), detectorDelayMillis))
                        .config(SessionConfig.DEFAULT.toBuilder().name("detection-" + req.sessionId())
                                .ingress(IngressPolicy.rejectNewest(4)).build())
                        .listener(listener).build());
        this.server = StreamingServer.builder().host(host).port(port).access(access)
                .signal(new SignalEndpoint<>(Map.of("onnx", emgFactory),
                        ClassificationEncoder.softmaxArgmax(1, EmgSignal.GESTURES.size()), EmgSignal.CHANNELS,
                        EmgSignal.WINDOW, EmgSignal.SAMPLING_RATE, "synthetic-gestures", EmgSignal::new, 200,
                        false))
                .detection(new DetectionEndpoint<>(detFactory, DetectionEncoder.detections(), null,
                        DetectionSettings.DEFAULT, 64))
                .start();
    }

    /** {@return the running server} */
    public StreamingServer server() {
        return server;
    }

    /** {@return the base URL, e.g. {@code http://127.0.0.1:8000}} */
    public String url() {
        return "http://" + server.host() + ":" + server.port();
    }

    /**
     * Makes every detection take at least this long (0 for the model's own speed), to show adaptive streaming.
     *
     * @param millis added time per frame, ms
     */
    public void slowDetector(long millis) {
        detectorDelayMillis.set(Math.max(0, millis));
    }

    @Override
    public void close() {
        server.close();
        emg.close();
        detector.close();
    }

    /** The synthetic detector's task on the transport's frames, with the optional slowdown. */
    private static final class Detector implements InferenceTask<DetectionImage, Detections> {
        private final DetectionTask task;
        private final io.github.streaminfer.task.ImageFrame frame = new io.github.streaminfer.task.ImageFrame();
        private final AtomicLong delayMillis;

        Detector(double confidence, AtomicLong delayMillis) {
            this.delayMillis = delayMillis;
            this.task = DetectionTask.builder(ImageSpec.builder(320, 320).resize(ImageSpec.ResizeMode.LETTERBOX)
                            .build())
                    .decoder(ImageDecoders.best())
                    .layout(DetectionTask.Layout.XYXY_SCORE_CLASS)
                    .labels(List.of("crack", "pothole"))
                    .confidenceThreshold((float) Math.min(confidence, 1.0))
                    .iouThreshold(0.45f)
                    .maxDetections(50)
                    .build();
        }

        @Override
        public void bind(ModelSignature model) {
            task.bind(model);
        }

        @Override
        public long[] inputShape(TensorSpec spec) {
            return task.inputShape(spec);
        }

        @Override
        public Detections newOutput() {
            return task.newOutput();
        }

        @Override
        public void preprocess(DetectionImage observation, Tensor[] inputs) {
            long delay = delayMillis.get();
            if (delay > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delay));
            }
            task.preprocess(frame.setEncoded(observation.image()), inputs);
        }

        @Override
        public void decode(Tensor[] outputs, Detections into) {
            task.decode(outputs, into);
        }

        @Override
        public void reset() {
            task.reset();
        }

        @Override
        public void close() {
            task.close();
        }
    }
}
