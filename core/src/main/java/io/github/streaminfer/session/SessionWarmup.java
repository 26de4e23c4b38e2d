package io.github.streaminfer.session;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Tensor;

/**
 * A session's warm-up before it accepts frames: {@link SessionConfig#warmupIterations()} runs on the session's own
 * tensors. With a warm-up observation each run takes the whole path a frame takes (the task's preprocessing, the
 * model, the task's decoding into a scratch result), so the decoder's buffers, the model's first runs and the
 * JIT's compilation of the path are behind the session when its first frame arrives; without one, the model runs
 * on inputs the task prepares ({@link InferenceTask#prepareWarmup}).
 *
 * <p>Warm-up frames are not the client's: no listener sees them, no counter or latency recorder counts them, and
 * the task is reset and every input zeroed afterwards, so the session starts exactly as it would without warm-up.
 *
 * <p><b>Note:</b> runs on the thread that builds the session, before the session's worker exists.
 */
final class SessionWarmup {
    private SessionWarmup() {
    }

    /**
     * Runs the warm-up.
     *
     * @param model       the session's model
     * @param task        the session's task, bound
     * @param inputs      the session's input tensors
     * @param outputs     the session's output tensors
     * @param iterations  how many runs; 0 does nothing
     * @param observation a representative observation, or null to run the model on prepared inputs only
     * @param <I>         observation type
     * @param <O>         result value type
     */
    static <I, O> void run(LoadedModel model, InferenceTask<I, O> task, Tensor[] inputs, Tensor[] outputs,
                           int iterations, I observation) {
        if (iterations <= 0) {
            return;
        }
        int modelRuns = 0;
        if (observation != null) {
            O scratch = task.newOutput();
            for (int i = 0; i < iterations; i++) {
                task.preprocess(observation, inputs);
                if (task.ready()) {
                    model.run(inputs, outputs);
                    task.decode(outputs, scratch);
                    modelRuns++;
                }
            }
            task.reset();
        }
        if (modelRuns == 0) {
            // no observation, or a windowed task whose window the warm-up frames did not fill: the model alone
            for (Tensor t : inputs) {
                t.zero();
            }
            task.prepareWarmup(inputs);
            for (int i = 0; i < iterations; i++) {
                model.run(inputs, outputs);
            }
        }
        for (Tensor t : inputs) {
            t.zero();
        }
    }
}
