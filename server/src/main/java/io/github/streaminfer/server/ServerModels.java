package io.github.streaminfer.server;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.media.OpenCvImageDecoder;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the server serves: the backend, the image decoder in use, and the loaded policy, detector and EMG
 * classifier.
 *
 * @param backend    the backend the models run on
 * @param decoder    the image decoder sessions get, described (e.g. {@code opencv 4.13.0 (reduced DCT)})
 * @param policy     the policy
 * @param policyName the policy's name: its file name, or {@code synthetic-policy}
 * @param shape      the policy's inputs and outputs
 * @param detector   the synthetic detector
 * @param emg        the synthetic EMG classifier
 * @param choice     how the backend was chosen, and the options the models loaded with
 * @param emgOthers  the EMG classifier on the other known backends, or why each cannot serve
 */
record ServerModels(InferenceBackend backend, String decoder, LoadedModel policy, String policyName,
                    PolicyShape shape, LoadedModel detector, LoadedModel emg, BackendChoice choice,
                    BackendChoice.Others emgOthers) {

    /**
     * Finds the image decoder and the backend, loading their native libraries, and loads the models. Call it on a
     * {@link io.github.streaminfer.backend.NativeLoaderThread}: native start-up may need more stack than the
     * caller has.
     *
     * @param o   the command line
     * @param log where to print
     * @param err where the fallback line goes, if {@code --backend} is unavailable
     * @return the models, loaded
     * @throws io.github.streaminfer.exceptions.BackendUnavailableException listing every backend if {@code --backend}
     *                                                                    is unknown, or unavailable under
     *                                                                    {@code --backend-strict}
     */
    static ServerModels load(ServerOptions o, PrintStream log, PrintStream err) {
        String decoder = describe(ServerDecoders.create());
        BackendChoice choice = BackendChoice.choose(o, line -> err.println("streaminfer-server: " + line));
        InferenceBackend backend = choice.backend();
        ModelOptions options = choice.options();
        List<LoadedModel> loaded = new ArrayList<>();
        try {
            LoadedModel policy;
            String policyName;
            if (o.model != null) {
                policy = backend.load(ModelSource.of(Path.of(o.model)), options);
                policyName = Path.of(o.model).getFileName().toString();
            } else {
                policy = backend.load(ModelSource.ofBytes("synthetic-policy.onnx", SyntheticServerModels.policy()),
                        options);
                policyName = "synthetic-policy";
                log.println("streaminfer-server: no --model given; serving a synthetic policy (image [1,3,96,96] "
                        + "+ state [1,12] -> action [1,7]) generated at start");
            }
            loaded.add(policy);
            PolicyShape shape = PolicyShape.of(policy, o);
            LoadedModel detector = backend.load(ModelSource.ofBytes("synthetic-detector.onnx",
                    SyntheticServerModels.detector()), options);
            loaded.add(detector);
            byte[] emgBytes = SyntheticServerModels.emg();
            LoadedModel emg = backend.load(ModelSource.ofBytes("synthetic-emg.onnx", emgBytes), options);
            loaded.add(emg);
            BackendChoice.Others others = BackendChoice.Others.load(choice, "synthetic-emg.onnx", emgBytes);
            return new ServerModels(backend, decoder, policy, policyName, shape, detector, emg, choice, others);
        } catch (RuntimeException e) {
            loaded.forEach(LoadedModel::close);
            throw e;
        }
    }

    /** {@return every loaded model} */
    List<LoadedModel> all() {
        List<LoadedModel> all = new ArrayList<>(List.of(policy, detector, emg));
        all.addAll(emgOthers.loaded().values());
        return all;
    }

    /**
     * {@return the decoder's id, and for OpenCV its version and JPEG mode}; closes {@code d}.
     *
     * @param d a decoder instance
     */
    static String describe(ImageDecoder d) {
        try (d) {
            if (d instanceof OpenCvImageDecoder cv) {
                String version = org.bytedeco.opencv.global.opencv_core.class.getPackage().getImplementationVersion();
                if (version != null && version.indexOf('-') > 0) {
                    version = version.substring(0, version.indexOf('-')); // "4.13.0-1.5.13": OpenCV, then JavaCPP
                }
                return "opencv" + (version == null ? "" : " " + version) + " ("
                        + (cv.config().reducedJpegDecode() ? "reduced DCT" : "exact") + " JPEG decoding)";
            }
            return d.id() + " (" + d.getClass().getSimpleName() + ")";
        }
    }
}
