package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.List;
import java.util.Objects;

/**
 * Object detection: image → letterbox (or stretch) into the model input → YOLO-style decode → confidence threshold
 * → non-maximum suppression → at most {@code maxDetections} boxes in source-image pixels, best first; optionally a
 * simple IoU tracker gives boxes stable track ids across frames.
 *
 * <p>Output layouts ({@link Layout}), with {@code N} candidates and {@code C} classes, coordinates in model-input
 * pixels:
 * <ul>
 *   <li>{@link Layout#YOLOV8} {@code [1, 4+C, N]}: rows {@code cx, cy, w, h}, then one score per class (YOLOv8/v11
 *       exports, the default)</li>
 *   <li>{@link Layout#YOLOV8_TRANSPOSED} {@code [1, N, 4+C]}: the same, one candidate per row</li>
 *   <li>{@link Layout#YOLOV5} {@code [1, N, 5+C]}: {@code cx, cy, w, h, objectness}, then class probabilities; score
 *       = objectness × class probability</li>
 *   <li>{@link Layout#XYXY_SCORE_CLASS} {@code [1, N, 6]}: {@code x1, y1, x2, y2, score, class} (end-to-end exports
 *       with NMS inside the model; thresholds, NMS and the limit still apply)</li>
 * </ul>
 *
 * <p><b>Note:</b> one instance per session; called only from its worker. Decoding allocates nothing per frame once
 * the candidate arrays have grown to the model's candidate count.
 *
 * @since 0.1.0
 */
public final class DetectionTask implements InferenceTask<ImageFrame, Detections> {

    /** Layout of the detector's output tensor. */
    public enum Layout {
        /** {@code [1, 4+C, N]}. */
        YOLOV8,
        /** {@code [1, N, 4+C]}. */
        YOLOV8_TRANSPOSED,
        /** {@code [1, N, 5+C]}. */
        YOLOV5,
        /** {@code [1, N, 6]}. */
        XYXY_SCORE_CLASS
    }

    private final ImageInput image;
    private final Layout layout;
    private final float confidence;
    private final float iou;
    private final int maxDetections;
    private final boolean classAgnostic;
    private final List<String> labels;
    private final String inputName;
    private final String outputName;
    private final IouTracker tracker;
    private final ImageGeometry geometry = new ImageGeometry();
    private int inputIndex;
    private int outputIndex;
    private String boundInput;
    private final NonMaxSuppression nms = new NonMaxSuppression();

    private DetectionTask(Builder b) {
        this.image = new ImageInput(b.spec, b.decoder);
        this.layout = b.layout;
        this.confidence = b.confidence;
        this.iou = b.iou;
        this.maxDetections = b.maxDetections;
        this.classAgnostic = b.classAgnostic;
        this.labels = List.copyOf(b.labels);
        this.inputName = b.inputName;
        this.outputName = b.outputName;
        this.tracker = b.trackIou > 0 ? new IouTracker(b.trackIou, b.trackMaxAge, b.maxDetections) : null;
    }

    /**
     * {@return a builder}
     *
     * @param spec how images become the input tensor (letterbox for YOLO models)
     */
    public static Builder builder(ImageSpec spec) {
        return new Builder(spec);
    }

    @Override
    public void bind(ModelSignature model) {
        if (model.inputs().isEmpty() || model.outputs().isEmpty()) {
            throw new IllegalArgumentException("DetectionTask needs a model with an input and an output; the model has "
                    + model);
        }
        inputIndex = inputName == null ? 0 : model.inputIndex(inputName);
        outputIndex = outputName == null ? 0 : model.outputIndex(outputName);
        image.bind(model.inputs().get(inputIndex), 1);
        boundInput = model.inputs().get(inputIndex).name();
        TensorSpec out = model.outputs().get(outputIndex);
        if (out.dtype() != DType.FLOAT32 || out.rank() != 3) {
            throw new IllegalArgumentException("output '" + out.name() + "' is " + out + "; layout " + layout
                    + " needs float32 " + expected());
        }
        long fields = layout == Layout.YOLOV8 ? out.dim(1) : out.dim(2);
        long n = layout == Layout.YOLOV8 ? out.dim(2) : out.dim(1);
        if (fields >= 0 && !fieldsOk(fields)) {
            throw new IllegalArgumentException("output '" + out.name() + "' is " + out + "; layout " + layout
                    + " needs " + expected());
        }
        if (n > 0) {
            nms.ensureCapacity((int) n);
        }
    }

    private boolean fieldsOk(long fields) {
        return switch (layout) {
            case YOLOV8, YOLOV8_TRANSPOSED -> fields >= 5;
            case YOLOV5 -> fields >= 6;
            case XYXY_SCORE_CLASS -> fields == 6;
        };
    }

    private String expected() {
        return switch (layout) {
            case YOLOV8 -> "[1, 4+C, N]";
            case YOLOV8_TRANSPOSED -> "[1, N, 4+C]";
            case YOLOV5 -> "[1, N, 5+C]";
            case XYXY_SCORE_CLASS -> "[1, N, 6]";
        };
    }

    /** {@return true for the image input this task fills} */
    @Override
    public boolean writesInput(String name) {
        return name.equals(boundInput);
    }

    @Override
    public long[] inputShape(TensorSpec spec) {
        if (spec.name().equals(boundInput)) {
            return image.bind(spec, 1);
        }
        return InferenceTask.super.inputShape(spec);
    }

    @Override
    public Detections newOutput() {
        return new Detections(maxDetections, labels);
    }

    @Override
    public void preprocess(ImageFrame observation, Tensor[] inputs) {
        image.write(observation, inputs[inputIndex], 0, geometry);
    }

    @Override
    public void decode(Tensor[] outputs, Detections into) {
        Tensor t = outputs[outputIndex];
        int fields = (int) (layout == Layout.YOLOV8 ? t.dim(1) : t.dim(2));
        int n = (int) (layout == Layout.YOLOV8 ? t.dim(2) : t.dim(1));
        nms.ensureCapacity(n);
        nms.clear();
        long fieldStride = layout == Layout.YOLOV8 ? n : 1;
        long candStride = layout == Layout.YOLOV8 ? 1 : fields;
        for (int i = 0; i < n; i++) {
            long base = i * candStride;
            float score;
            int cls;
            float a = t.getFloat(base);
            float b = t.getFloat(base + fieldStride);
            float c = t.getFloat(base + 2 * fieldStride);
            float d = t.getFloat(base + 3 * fieldStride);
            if (layout == Layout.XYXY_SCORE_CLASS) {
                score = t.getFloat(base + 4 * fieldStride);
                cls = (int) t.getFloat(base + 5 * fieldStride);
            } else {
                int first = layout == Layout.YOLOV5 ? 5 : 4;
                cls = 0;
                score = Float.NEGATIVE_INFINITY;
                for (int k = first; k < fields; k++) {
                    float s = t.getFloat(base + k * fieldStride);
                    if (s > score) {
                        score = s;
                        cls = k - first;
                    }
                }
                if (layout == Layout.YOLOV5) {
                    score *= t.getFloat(base + 4 * fieldStride);
                }
                float hw = c * 0.5f;
                float hh = d * 0.5f;
                float x = a;
                float y = b;
                a = x - hw;
                b = y - hh;
                c = x + hw;
                d = y + hh;
            }
            if (!(score >= confidence) || !(c > a) || !(d > b)) { // also drops NaN
                continue;
            }
            nms.add(a, b, c, d, score, cls);
        }
        nms.suppress(iou, classAgnostic, maxDetections);
        nms.writeTo(geometry, into);
        if (tracker != null) {
            tracker.update(into);
        }
    }

    @Override
    public void reset() {
        if (tracker != null) {
            tracker.reset();
        }
    }

    /** Closes the image decoder (given to the builder or looked up). */
    @Override
    public void close() {
        image.close();
    }

    /** Builder for {@link DetectionTask}. */
    public static final class Builder extends TaskBuilder<Builder> {
        private final ImageSpec spec;
        private ImageDecoder decoder;
        private Layout layout = Layout.YOLOV8;
        private float confidence = 0.25f;
        private float iou = 0.45f;
        private int maxDetections = 100;
        private boolean classAgnostic;
        private float trackIou;
        private int trackMaxAge = 30;

        private Builder(ImageSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
        }

        /**
         * Sets {@code decoder}.
         *
         * @param decoder decoder for encoded frames (default: the best one found when first needed); the task owns it
         *                and closes it when its session closes, so give each task its own
         * @return this
         */
        public Builder decoder(ImageDecoder decoder) {
            this.decoder = decoder;
            return this;
        }

        /**
         * Sets {@code layout}.
         *
         * @param layout the output layout (default YOLOV8)
         * @return this
         */
        public Builder layout(Layout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /**
         * Sets {@code confidenceThreshold}.
         *
         * @param threshold minimum score kept, in [0, 1] (default 0.25)
         * @return this
         */
        public Builder confidenceThreshold(float threshold) {
            if (!(threshold >= 0 && threshold <= 1)) {
                throw new IllegalArgumentException("confidenceThreshold is " + threshold + "; allowed: 0..1");
            }
            this.confidence = threshold;
            return this;
        }

        /**
         * Sets {@code iouThreshold}.
         *
         * @param threshold boxes overlapping a better one by more than this IoU are suppressed, in [0, 1] (default 0.45)
         * @return this
         */
        public Builder iouThreshold(float threshold) {
            if (!(threshold >= 0 && threshold <= 1)) {
                throw new IllegalArgumentException("iouThreshold is " + threshold + "; allowed: 0..1");
            }
            this.iou = threshold;
            return this;
        }

        /**
         * Sets {@code maxDetections}.
         *
         * @param max most detections returned, {@code >= 1} (default 100)
         * @return this
         */
        public Builder maxDetections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxDetections is " + max + "; allowed: >= 1");
            }
            this.maxDetections = max;
            return this;
        }

        /**
         * Sets {@code classAgnosticNms}.
         *
         * @param agnostic true to suppress overlapping boxes of different classes too (default false)
         * @return this
         */
        public Builder classAgnosticNms(boolean agnostic) {
            this.classAgnostic = agnostic;
            return this;
        }

        /**
         * Turns on the IoU tracker.
         *
         * @param minIou minimum IoU to continue a track, in (0, 1]
         * @param maxAge frames a track survives without a match, {@code >= 0}
         * @return this
         */
        public Builder track(float minIou, int maxAge) {
            if (!(minIou > 0 && minIou <= 1)) {
                throw new IllegalArgumentException("track minIou is " + minIou + "; allowed: (0, 1]");
            }
            if (maxAge < 0) {
                throw new IllegalArgumentException("track maxAge is " + maxAge + "; allowed: >= 0");
            }
            this.trackIou = minIou;
            this.trackMaxAge = maxAge;
            return this;
        }

        /** {@return the task} */
        public DetectionTask build() {
            return new DetectionTask(this);
        }
    }
}
