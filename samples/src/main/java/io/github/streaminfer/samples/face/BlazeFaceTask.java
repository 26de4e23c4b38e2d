package io.github.streaminfer.samples.face;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.task.ImageInput;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.transport.detection.DetectionImage;

/**
 * MediaPipe BlazeFace (short range, 128 × 128, {@code face_detection_front_128x128}) as a task of the detection
 * endpoint: the frame's JPEG or PNG is letterboxed into the model's NHWC input with values in [-1, 1], and the four
 * outputs (scores and regressors of the stride-8 and stride-16 anchor maps) are decoded by {@link BlazeFaceDecoder}
 * into {@link FaceDetections} in source pixels.
 *
 * <p>The outputs are found by shape, not name: the two {@code [1, N, 1]} outputs are scores, the two
 * {@code [1, N, 16]} regressors, the larger {@code N} first (the stride-8 map), as the anchor order needs.
 *
 * <p><b>Note:</b> one instance per session, called from its worker only.
 */
public final class BlazeFaceTask implements InferenceTask<DetectionImage, FaceDetections> {
    /** The model's input side, in pixels. */
    public static final int INPUT_SIZE = 128;

    private final BlazeFaceConfig config;
    private final BlazeFaceDecoder decoder;
    private final ImageInput image;
    private final ImageGeometry geometry = new ImageGeometry();
    private final io.github.streaminfer.task.ImageFrame frame = new io.github.streaminfer.task.ImageFrame();
    private final float[] scores;
    private final float[] regressors;
    private final int[] scoreOutputs = new int[2];
    private final int[] regressorOutputs = new int[2];
    private final int[] layerAnchors = new int[2];

    /**
     * Creates a task.
     *
     * @param config       decoding thresholds and limits
     * @param imageDecoder decodes frames (the task owns and closes it), or null for the best one found
     * @param maxPixels    frames whose header claims more pixels are refused before decoding
     */
    public BlazeFaceTask(BlazeFaceConfig config, ImageDecoder imageDecoder, long maxPixels) {
        this.config = config;
        this.decoder = new BlazeFaceDecoder(config, BlazeFaceAnchors.front128(), INPUT_SIZE);
        this.image = new ImageInput(ImageSpec.builder(INPUT_SIZE, INPUT_SIZE)
                .resize(ImageSpec.ResizeMode.LETTERBOX).padColor(0x000000)
                .layout(ImageSpec.Layout.NHWC)
                .scale(1f / 127.5f).normalize(new float[] {1, 1, 1}, new float[] {1, 1, 1})
                .maxPixels(maxPixels).build(), imageDecoder);
        this.scores = new float[decoder.anchorCount()];
        this.regressors = new float[decoder.anchorCount() * BlazeFaceDecoder.REGRESSORS];
    }

    @Override
    public void bind(ModelSignature model) {
        if (model.inputs().size() != 1 || model.outputs().size() != 4) {
            throw new IllegalArgumentException("BlazeFace needs 1 input and 4 outputs; the model has " + model);
        }
        image.bind(model.inputs().get(0), 1);
        int s = 0;
        int r = 0;
        for (int i = 0; i < 4; i++) {
            TensorSpec out = model.outputs().get(i);
            long last = out.rank() == 3 ? out.dim(2) : -1;
            if (last == 1 && s < 2) {
                scoreOutputs[s++] = i;
            } else if (last == BlazeFaceDecoder.REGRESSORS && r < 2) {
                regressorOutputs[r++] = i;
            } else {
                throw new IllegalArgumentException("output '" + out.name() + "' is " + out
                        + "; BlazeFace's outputs are [1, N, 1] scores and [1, N, 16] regressors, two of each");
            }
        }
        order(model, scoreOutputs);
        order(model, regressorOutputs);
        long total = 0;
        for (int layer = 0; layer < 2; layer++) {
            long n = model.outputs().get(scoreOutputs[layer]).dim(1);
            if (n != model.outputs().get(regressorOutputs[layer]).dim(1)) {
                throw new IllegalArgumentException("score and regressor outputs disagree on the anchor count: "
                        + model);
            }
            layerAnchors[layer] = (int) n;
            total += n;
        }
        if (total != decoder.anchorCount()) {
            throw new IllegalArgumentException("the model has " + total + " anchors; the 128 x 128 front scheme has "
                    + decoder.anchorCount());
        }
    }

    private static void order(ModelSignature model, int[] pair) {
        if (model.outputs().get(pair[0]).dim(1) < model.outputs().get(pair[1]).dim(1)) {
            int t = pair[0];
            pair[0] = pair[1];
            pair[1] = t;
        }
    }

    @Override
    public long[] inputShape(TensorSpec spec) {
        return new long[] {1, INPUT_SIZE, INPUT_SIZE, 3};
    }

    @Override
    public FaceDetections newOutput() {
        return new FaceDetections(config.maxDetections());
    }

    @Override
    public void preprocess(DetectionImage observation, Tensor[] inputs) {
        image.write(frame.setEncoded(observation.image()), inputs[0], 0, geometry);
    }

    @Override
    public void decode(Tensor[] outputs, FaceDetections into) {
        int offset = 0;
        for (int layer = 0; layer < 2; layer++) {
            int n = layerAnchors[layer];
            outputs[scoreOutputs[layer]].getFloats(0, scores, offset, n);
            outputs[regressorOutputs[layer]].getFloats(0, regressors, offset * BlazeFaceDecoder.REGRESSORS,
                    n * BlazeFaceDecoder.REGRESSORS);
            offset += n;
        }
        decoder.decode(scores, regressors, geometry, into);
    }

    @Override
    public void close() {
        image.close();
    }
}
