package io.github.streaminfer.transport;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.ImageFrame;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.task.PolicyObservation;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.task.RawImage;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.transport.internal.http.ClientText;
import io.github.streaminfer.transport.openpi.NdArray;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import io.github.streaminfer.transport.vla.VlaFrame;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Puts core's {@link PolicyTask} behind the transport's observations: a {@link VlaFrame} (encoded camera image,
 * instruction, pose and velocity) or an {@link OpenPiObservation} (raw uint8 camera arrays, a state array, a
 * prompt). The mapping reuses one {@link PolicyObservation} per session, on the worker.
 *
 * <p><b>Note:</b> each returned task belongs to one session, like the {@code PolicyTask} it wraps.
 *
 * @since 0.1.0
 */
public final class PolicyAdapters {
    private PolicyAdapters() {
    }

    /**
     * @param task a policy task with one camera
     * @return the task for VLA frames: the frame's image is camera 0, state = pose then velocity
     */
    public static InferenceTask<VlaFrame, ActionChunk> vla(PolicyTask task) {
        ImageFrame camera = new ImageFrame();
        return new Mapped<>(task, camera, (f, obs) -> {
            camera.setEncoded(f.image());
            obs.pose(f.pose()).velocity(f.velocity()).instruction(f.instruction());
        });
    }

    /**
     * @param task      a policy task with one camera per image key
     * @param imageKeys observation keys of the camera arrays, in the task's camera order ({@code uint8} or float in
     *                  [0, 1], {@code [H, W, 3]} or {@code [3, H, W]})
     * @param stateKey  observation key of the state array (may be null)
     * @param promptKey observation key of the instruction string (may be null)
     * @return the task for openpi observations
     */
    public static InferenceTask<OpenPiObservation, ActionChunk> openPi(PolicyTask task, List<String> imageKeys,
                                                                       String stateKey, String promptKey) {
        List<String> keys = List.copyOf(imageKeys);
        ImageFrame[] cameras = new ImageFrame[keys.size()];
        CameraPixels[] pixels = new CameraPixels[keys.size()];
        for (int i = 0; i < cameras.length; i++) {
            cameras[i] = new ImageFrame();
            pixels[i] = new CameraPixels(keys.get(i));
        }
        return new Mapped<>(task, cameras, (o, obs) -> {
            for (int i = 0; i < cameras.length; i++) {
                NdArray a = o.array(keys.get(i));
                if (a == null) {
                    throw new InvalidInputException("observation has no image '" + ClientText.safe(keys.get(i))
                            + "'; keys present: " + ClientText.list(o.values().keySet()));
                }
                cameras[i].setRaw(pixels[i].of(a));
            }
            float[] state = null;
            if (stateKey != null) {
                NdArray s = o.array(stateKey);
                if (s == null) {
                    throw new InvalidInputException("observation has no state '" + ClientText.safe(stateKey)
                            + "'; keys present: " + ClientText.list(o.values().keySet()));
                }
                state = s.toFloats();
            }
            obs.pose(state).velocity(null).instruction(promptKey == null ? null : o.text(promptKey));
        });
    }

    /**
     * {@return the camera array as interleaved RGB pixels in a new array}
     *
     * @param key observation key, for messages
     * @param a   {@code uint8} or float in [0, 1], {@code [H, W, 3]} or {@code [3, H, W]}
     * @throws InvalidInputException if the shape or the values do not fit
     */
    static RawImage raw(String key, NdArray a) {
        return new CameraPixels(key).of(a);
    }

    /**
     * One camera's pixel array, reused from frame to frame on the session worker: the image task consumes a frame's
     * pixels before the next frame is mapped, so one array per camera is enough. A {@code uint8 [H, W, 3]} array
     * (what openpi clients send) is one bulk copy; other layouts and dtypes are converted element by element.
     */
    private static final class CameraPixels {
        private final String key;
        private RawImage image;

        CameraPixels(String key) {
            this.key = key;
        }

        RawImage of(NdArray a) {
            long[] s = a.shape();
            boolean hwc = s.length == 3 && s[2] == 3;
            boolean chw = s.length == 3 && s[0] == 3 && !hwc;
            if (!hwc && !chw) {
                throw new InvalidInputException("image '" + ClientText.safe(key) + "' has shape " + Arrays.toString(s)
                        + "; expected [H, W, 3] or [3, H, W]");
            }
            int h = (int) (hwc ? s[0] : s[1]);
            int w = (int) (hwc ? s[1] : s[2]);
            if (h < 1 || w < 1) {
                throw new InvalidInputException("image '" + ClientText.safe(key) + "' is empty");
            }
            if (image == null || image.width() != w || image.height() != h) {
                image = new RawImage(w, h, PixelFormat.RGB, new byte[Math.multiplyExact(w * h, 3)]);
            }
            byte[] px = image.pixels();
            int plane = w * h;
            if (a.isUnsignedBytes()) {
                if (hwc) {
                    a.copyBytes(0, px, 0, plane * 3);
                } else {
                    for (int c = 0; c < 3; c++) {
                        int from = c * plane;
                        for (int i = 0; i < plane; i++) {
                            px[i * 3 + c] = a.byteAt(from + i);
                        }
                    }
                }
                return image;
            }
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < 3; c++) {
                    float v = a.getFloat(hwc ? i * 3 + c : c * plane + i);
                    if (!Float.isFinite(v)) {
                        throw new InvalidInputException("image '" + ClientText.safe(key) + "' has a non-finite value");
                    }
                    px[i * 3 + c] = (byte) (int) Math.max(0, Math.min(255, v * 255f));
                }
            }
            return image;
        }
    }

    /** Fills a session-owned {@link PolicyObservation} from an observation of type {@code A}. */
    @FunctionalInterface
    private interface Filler<A> {
        void fill(A observation, PolicyObservation into);
    }

    private static final class Mapped<A> implements InferenceTask<A, ActionChunk> {
        private final PolicyTask task;
        private final PolicyObservation obs = new PolicyObservation();
        private final Filler<A> filler;

        Mapped(PolicyTask task, ImageFrame camera, Filler<A> filler) {
            this(task, new ImageFrame[]{camera}, filler);
        }

        Mapped(PolicyTask task, ImageFrame[] cameras, Filler<A> filler) {
            this.task = Objects.requireNonNull(task, "task");
            this.filler = filler;
            obs.images(cameras);
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
        public boolean writesInput(String inputName) {
            return task.writesInput(inputName);
        }

        @Override
        public ActionChunk newOutput() {
            return task.newOutput();
        }

        @Override
        public void preprocess(A observation, Tensor[] inputs) {
            filler.fill(observation, obs);
            task.preprocess(obs, inputs);
        }

        @Override
        public void decode(Tensor[] outputs, ActionChunk into) {
            task.decode(outputs, into);
        }

        @Override
        public boolean ready() {
            return task.ready();
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
