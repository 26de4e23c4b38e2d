package io.github.streaminfer.transport;

import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.ImageFrame;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.task.InvalidInputException;
import io.github.streaminfer.task.PolicyObservation;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.task.RawImage;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Puts core's {@link PolicyTask} behind the transport's observations: a {@link VlaFrame} (encoded camera image,
 * instruction, pose and velocity) or an {@link OpenPiObservation} (raw uint8 camera arrays, a state array, a
 * prompt). The mapping reuses one {@link PolicyObservation} per session, on the worker.
 *
 * <p><b>Note:</b> each returned task belongs to one session, like the {@code PolicyTask} it wraps.
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
        for (int i = 0; i < cameras.length; i++) {
            cameras[i] = new ImageFrame();
        }
        return new Mapped<>(task, cameras, (o, obs) -> {
            for (int i = 0; i < cameras.length; i++) {
                NdArray a = o.array(keys.get(i));
                if (a == null) {
                    throw new InvalidInputException("observation has no image '" + keys.get(i) + "'; keys present: "
                            + o.values().keySet());
                }
                cameras[i].setRaw(raw(keys.get(i), a));
            }
            float[] state = null;
            if (stateKey != null) {
                NdArray s = o.array(stateKey);
                if (s == null) {
                    throw new InvalidInputException("observation has no state '" + stateKey + "'");
                }
                state = s.toFloats();
            }
            obs.pose(state).velocity(null).instruction(promptKey == null ? null : o.text(promptKey));
        });
    }

    static RawImage raw(String key, NdArray a) {
        long[] s = a.shape();
        boolean hwc = s.length == 3 && s[2] == 3;
        boolean chw = s.length == 3 && s[0] == 3 && !hwc;
        if (!hwc && !chw) {
            throw new InvalidInputException("image '" + key + "' has shape " + Arrays.toString(s)
                    + "; expected [H, W, 3] or [3, H, W]");
        }
        int h = (int) (hwc ? s[0] : s[1]);
        int w = (int) (hwc ? s[1] : s[2]);
        if (h < 1 || w < 1) {
            throw new InvalidInputException("image '" + key + "' is empty");
        }
        boolean bytes = a.dtype().endsWith("u1");
        byte[] px = new byte[w * h * 3];
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int src = hwc ? (y * w + x) * 3 + c : c * plane + y * w + x;
                    float v = a.getFloat(src);
                    if (!bytes) {
                        if (!Float.isFinite(v)) {
                            throw new InvalidInputException("image '" + key + "' has a non-finite value");
                        }
                        v = Math.max(0, Math.min(255, v * 255f));
                    }
                    px[(y * w + x) * 3 + c] = (byte) (int) v;
                }
            }
        }
        return new RawImage(w, h, PixelFormat.RGB, px);
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
