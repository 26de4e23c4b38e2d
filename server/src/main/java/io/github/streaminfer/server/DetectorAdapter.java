package io.github.streaminfer.server;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.task.DetectionTask;
import io.github.streaminfer.task.Detections;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.transport.detection.DetectionImage;

/**
 * The transport's detection frame into core's image frame, for a {@link DetectionTask}.
 *
 * <p><b>Note:</b> one instance per session, called from its worker only (the task's own contract).
 */
final class DetectorAdapter implements InferenceTask<DetectionImage, Detections> {
    private final DetectionTask task;
    private final io.github.streaminfer.task.ImageFrame frame = new io.github.streaminfer.task.ImageFrame();

    DetectorAdapter(DetectionTask task) {
        this.task = task;
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
    public Detections newOutput() {
        return task.newOutput();
    }

    @Override
    public void preprocess(DetectionImage observation, Tensor[] inputs) {
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
