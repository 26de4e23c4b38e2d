package io.github.streaminfer.synthetic;

import io.github.streaminfer.synthetic.OnnxGraphBuilder.Attribute;
import io.github.streaminfer.tensor.DType;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic ONNX models with known weights and a plain-Java reference for each, so a backend's outputs can be
 * checked independently of any runtime: a small MLP for the backend contract, an EMG gesture classifier, a
 * robot policy (single action or an action chunk) and a YOLO-style detector head.
 *
 * <p>Every reference computes in double precision; runtimes agree with it within about 1e-6.
 *
 * @since 0.1.0
 */
public final class SyntheticModels {
    private SyntheticModels() {
    }

    static float[] weights(long seed, int n, float scale) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (r.nextFloat() - 0.5f) * scale;
        }
        return w;
    }

    // ------------------------------------------------------------------------------------------ tiny MLP

    /**
     * A model with one dynamic-batch float input and two outputs of different types, for the backend contract:
     * {@code x[N,8] -> y = tanh(x·W + b) [N,4]} and {@code cls = argmax(y) int64 [N]}.
     */
    public static final class TinyMlp {
        /** Input width. */
        public static final int IN = 8;
        /** Output width. */
        public static final int OUT = 4;
        private final float[] w = weights(11, IN * OUT, 2f);
        private final float[] b = weights(12, OUT, 0.5f);

        /** {@return the serialised model: input {@code x}, outputs {@code y}, {@code cls}} */
        public byte[] bytes() {
            return new OnnxGraphBuilder("tiny_mlp")
                    .input("x", DType.FLOAT32, -1, IN)
                    .initializer("W", w, IN, OUT)
                    .initializer("B", b, OUT)
                    .node("Gemm", List.of("x", "W", "B"), List.of("h"))
                    .node("Tanh", List.of("h"), List.of("y"))
                    .node("ArgMax", List.of("y"), List.of("cls"), Attribute.i("axis", 1), Attribute.i("keepdims", 0))
                    .output("y", DType.FLOAT32, -1, OUT)
                    .output("cls", DType.INT64, -1)
                    .toBytes();
        }

        /**
         * {@return the {@value #OUT} values of {@code y}}
         *
         * @param x one row of {@value #IN} values
         */
        public float[] y(float[] x) {
            float[] y = new float[OUT];
            for (int k = 0; k < OUT; k++) {
                double s = b[k];
                for (int i = 0; i < IN; i++) {
                    s += (double) x[i] * w[i * OUT + k];
                }
                y[k] = (float) Math.tanh(s);
            }
            return y;
        }
    }

    // ------------------------------------------------------------------------------------------ EMG

    /**
     * An EMG gesture classifier: {@code emg[N,16,200]} → per-channel RMS → linear layer → {@code logits[N,7]}
     * (or {@code probabilities[N,7]} after a softmax). Class {@code k} is driven by channels {@code 2k} and
     * {@code 2k+1}, so a window with activity on those channels is classified as {@code k}.
     */
    public static final class EmgClassifier {
        /** Channels. */
        public static final int CHANNELS = 16;
        /** Samples per window (100 ms at 2 kHz). */
        public static final int SAMPLES = 200;
        /** Gesture classes. */
        public static final int CLASSES = 7;
        private final boolean softmax;
        private final float[] w = new float[CHANNELS * CLASSES];
        private final float[] b = weights(22, CLASSES, 0.02f);

        /**
         * Describes the classifier to write.
         *
         * @param softmax true to output probabilities, false for logits
         */
        public EmgClassifier(boolean softmax) {
            this.softmax = softmax;
            float[] noise = weights(21, w.length, 0.1f);
            for (int c = 0; c < CHANNELS; c++) {
                for (int k = 0; k < CLASSES; k++) {
                    w[c * CLASSES + k] = (c / 2 == k ? 2f : 0f) + noise[c * CLASSES + k];
                }
            }
        }

        /** {@return the output name: {@code probabilities} or {@code logits}} */
        public String outputName() {
            return softmax ? "probabilities" : "logits";
        }

        /** {@return the serialised model: input {@code emg}} */
        public byte[] bytes() {
            OnnxGraphBuilder g = new OnnxGraphBuilder("emg_classifier")
                    .input("emg", DType.FLOAT32, -1, CHANNELS, SAMPLES)
                    .initializer("W", w, CHANNELS, CLASSES)
                    .initializer("B", b, CLASSES)
                    .node("Mul", List.of("emg", "emg"), List.of("sq"))
                    .node("ReduceMean", List.of("sq"), List.of("ms"), Attribute.ints("axes", 2),
                            Attribute.i("keepdims", 0))
                    .node("Sqrt", List.of("ms"), List.of("rms"))
                    .node("Gemm", List.of("rms", "W", "B"), List.of("logits"));
            if (softmax) {
                g.node("Softmax", List.of("logits"), List.of("probabilities"), Attribute.i("axis", 1));
            }
            return g.output(outputName(), DType.FLOAT32, -1, CLASSES).toBytes();
        }

        /**
         * {@return the model's output for it}
         *
         * @param window channel-major window, {@code [16][200]} flattened
         */
        public float[] reference(float[] window) {
            double[] logits = new double[CLASSES];
            for (int k = 0; k < CLASSES; k++) {
                logits[k] = b[k];
            }
            for (int c = 0; c < CHANNELS; c++) {
                double ss = 0;
                for (int s = 0; s < SAMPLES; s++) {
                    double v = window[c * SAMPLES + s];
                    ss += v * v;
                }
                double rms = Math.sqrt(ss / SAMPLES);
                for (int k = 0; k < CLASSES; k++) {
                    logits[k] += rms * w[c * CLASSES + k];
                }
            }
            float[] out = new float[CLASSES];
            if (!softmax) {
                for (int k = 0; k < CLASSES; k++) {
                    out[k] = (float) logits[k];
                }
                return out;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (double l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (double l : logits) {
                sum += Math.exp(l - max);
            }
            for (int k = 0; k < CLASSES; k++) {
                out[k] = (float) (Math.exp(logits[k] - max) / sum);
            }
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------ policy

    /**
     * A robot policy: {@code image[1,3,H,W]} (mean colour) + {@code state[1,S]} (+ optional {@code instruction}
     * int64 token ids {@code [1,L]}, their mean scaled by 1/255) → linear layer → tanh → {@code action[1,7]}, or,
     * with a horizon above 1, {@code actions[1,H,7]} (an action chunk).
     */
    public static final class Policy {
        /** Action dimension. */
        public static final int ACTION_DIM = 7;
        private final int height;
        private final int width;
        private final int stateDim;
        private final int horizon;
        private final int tokens;
        private final int features;
        private final float[] w;
        private final float[] b;

        /**
         * Describes the policy to write.
         *
         * @param height   image height
         * @param width    image width
         * @param stateDim state vector length
         * @param horizon  1 for a single action, e.g. 50 for a chunk
         * @param tokens   instruction length in tokens, 0 for no instruction input
         */
        public Policy(int height, int width, int stateDim, int horizon, int tokens) {
            this.height = height;
            this.width = width;
            this.stateDim = stateDim;
            this.horizon = horizon;
            this.tokens = tokens;
            this.features = 3 + stateDim + (tokens > 0 ? 1 : 0);
            this.w = weights(31, features * horizon * ACTION_DIM, 1.5f);
            this.b = weights(32, horizon * ACTION_DIM, 0.2f);
        }

        /** {@return {@code action} for a single action, {@code actions} for a chunk} */
        public String outputName() {
            return horizon == 1 ? "action" : "actions";
        }

        /** {@return the serialised model: inputs {@code image}, {@code state}[, {@code instruction}]} */
        public byte[] bytes() {
            int outDim = horizon * ACTION_DIM;
            OnnxGraphBuilder g = new OnnxGraphBuilder("policy")
                    .input("image", DType.FLOAT32, 1, 3, height, width)
                    .input("state", DType.FLOAT32, 1, stateDim);
            List<String> concat = new ArrayList<>(List.of("img", "state"));
            if (tokens > 0) {
                g.input("instruction", DType.INT64, 1, tokens)
                        .initializer("inv255", new float[] {1f / 255f}, 1)
                        .node("Cast", List.of("instruction"), List.of("tok_f"), Attribute.i("to", 1))
                        .node("ReduceMean", List.of("tok_f"), List.of("tok_mean"), Attribute.ints("axes", 1),
                                Attribute.i("keepdims", 1))
                        .node("Mul", List.of("tok_mean", "inv255"), List.of("tok"));
                concat.add("tok");
            }
            g.initializer("W", w, features, outDim)
                    .initializer("B", b, outDim)
                    .node("GlobalAveragePool", List.of("image"), List.of("pooled"))
                    .node("Flatten", List.of("pooled"), List.of("img"), Attribute.i("axis", 1))
                    .node("Concat", concat, List.of("feat"), Attribute.i("axis", 1))
                    .node("Gemm", List.of("feat", "W", "B"), List.of("h"));
            if (horizon == 1) {
                g.node("Tanh", List.of("h"), List.of("action")).output("action", DType.FLOAT32, 1, ACTION_DIM);
            } else {
                g.node("Tanh", List.of("h"), List.of("flat"))
                        .initializer("chunk_shape", new long[] {1, horizon, ACTION_DIM}, 3)
                        .node("Reshape", List.of("flat", "chunk_shape"), List.of("actions"))
                        .output("actions", DType.FLOAT32, 1, horizon, ACTION_DIM);
            }
            return g.toBytes();
        }

        /**
         * {@return {@code horizon * 7} values, row-major}
         *
         * @param image       NCHW image, {@code 3*H*W} values
         * @param state       {@code S} values
         * @param instruction {@code L} token ids, or null when the model has no instruction input
         */
        public float[] reference(float[] image, float[] state, long[] instruction) {
            double[] feat = new double[features];
            int plane = height * width;
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int i = 0; i < plane; i++) {
                    s += image[c * plane + i];
                }
                feat[c] = s / plane;
            }
            for (int i = 0; i < stateDim; i++) {
                feat[3 + i] = state[i];
            }
            if (tokens > 0) {
                double s = 0;
                for (long t : instruction) {
                    s += t;
                }
                feat[3 + stateDim] = (float) (s / tokens) * (1f / 255f);
            }
            int outDim = horizon * ACTION_DIM;
            float[] out = new float[outDim];
            for (int o = 0; o < outDim; o++) {
                double s = b[o];
                for (int f = 0; f < features; f++) {
                    s += feat[f] * w[f * outDim + o];
                }
                out[o] = (float) Math.tanh(s);
            }
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------ detector

    /**
     * A YOLO-style detector head with a fixed prediction table: {@code images[1,3,S,S]} → {@code output0 = P +
     * mean(images) · Q}, where {@code P} and {@code Q} are given. The output is either YOLOv8's layout
     * {@code [1, 4+C, N]} (rows cx, cy, w, h, then one score per class, columns = candidates) or the end-to-end
     * layout {@code [1, N, 6]} (x1, y1, x2, y2, score, class per row). Tests place boxes in {@code P} and
     * check decoding, thresholds and NMS against their own reference.
     */
    public static final class Detector {
        private final int size;
        private final long[] dims;
        private final float[] p;
        private final float[] q;

        /**
         * Describes the detector to write.
         *
         * @param size image side in pixels
         * @param dims output dims without the batch, e.g. {@code {4 + C, N}} or {@code {N, 6}}
         * @param p    the prediction table, row-major over {@code dims}
         * @param q    per-element sensitivity to the image's mean value, same size as {@code p}
         */
        public Detector(int size, long[] dims, float[] p, float[] q) {
            if (dims.length != 2 || dims[0] * dims[1] != p.length || p.length != q.length) {
                throw new IllegalArgumentException("dims " + java.util.Arrays.toString(dims) + " need "
                        + "p and q of " + (dims.length == 2 ? dims[0] * dims[1] : -1) + " values, got " + p.length
                        + " and " + q.length);
            }
            this.size = size;
            this.dims = dims.clone();
            this.p = p.clone();
            this.q = q.clone();
        }

        /** {@return the serialised model: input {@code images}, output {@code output0}} */
        public byte[] bytes() {
            return new OnnxGraphBuilder("detector")
                    .input("images", DType.FLOAT32, 1, 3, size, size)
                    .initializer("P", p, 1, dims[0], dims[1])
                    .initializer("Q", q, 1, dims[0], dims[1])
                    .node("ReduceMean", List.of("images"), List.of("m4"), Attribute.ints("axes", 1, 2, 3),
                            Attribute.i("keepdims", 0))
                    .node("Mul", List.of("m4", "Q"), List.of("mq"))
                    .node("Add", List.of("P", "mq"), List.of("output0"))
                    .output("output0", DType.FLOAT32, 1, dims[0], dims[1])
                    .toBytes();
        }

        /**
         * {@return the raw output the model computes, row-major}
         *
         * @param image NCHW image, {@code 3*S*S} values
         */
        public float[] reference(float[] image) {
            double s = 0;
            for (float v : image) {
                s += v;
            }
            float mean = (float) (s / image.length);
            float[] out = new float[p.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (p[i] + (double) mean * q[i]);
            }
            return out;
        }
    }
}
