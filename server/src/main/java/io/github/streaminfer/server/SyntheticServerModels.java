package io.github.streaminfer.server;

import io.github.streaminfer.synthetic.SyntheticModels;

/**
 * The synthetic ONNX models the server writes at start: the default policy, the detector and the EMG classifier.
 *
 * <p><b>Note:</b> stateless; every method writes a fresh model.
 */
final class SyntheticServerModels {
    /** Square input side of the synthetic detector. */
    static final int DETECTOR_SIZE = 320;
    /** Channels of the synthetic EMG classifier's input. */
    static final int EMG_CHANNELS = SyntheticModels.EmgClassifier.CHANNELS;
    /** Window, in samples, of the synthetic EMG classifier. */
    static final int EMG_WINDOW = SyntheticModels.EmgClassifier.SAMPLES;

    private SyntheticServerModels() {
    }

    /** {@return the default policy: image [1,3,96,96] + state [1,12] → action [1,7]} */
    static byte[] policy() {
        return new SyntheticModels.Policy(96, 96, 12, 1, 0).bytes();
    }

    /** {@return a detector with two fixed candidate boxes (a crack and a pothole) whose scores rise with brightness} */
    static byte[] detector() {
        float[] p = {
                40, 60, 140, 200, 0.55f, 0,
                180, 100, 300, 180, 0.30f, 1,
                50, 70, 150, 210, 0.10f, 0};
        float[] q = {
                0, 0, 0, 0, 0.4f, 0,
                0, 0, 0, 0, 0.6f, 0,
                0, 0, 0, 0, 0.1f, 0};
        return new SyntheticModels.Detector(DETECTOR_SIZE, new long[]{3, 6}, p, q).bytes();
    }

    /** {@return the EMG gesture classifier: [1,16,200] → 7 classes} */
    static byte[] emg() {
        return new SyntheticModels.EmgClassifier(false).bytes();
    }
}
