package io.github.streaminfer.backend;

import io.github.streaminfer.exceptions.InferenceException;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.List;

/**
 * A model loaded by an {@link InferenceBackend}, ready to run.
 *
 * <p>{@link #run(Tensor[], Tensor[])} reads the caller's input tensors in place and writes into the caller's
 * pre-allocated output tensors, so a session allocates nothing per frame. Where an output has dynamic dimensions
 * the backend {@link Tensor#reshape(long...) reshapes} the output tensor to the actual shape of this run.
 *
 * <p><b>Note:</b> {@code run} must be safe to call from several threads at once (several sessions may share a
 * model); everything else may be called from any thread. Use after {@link #close()} throws
 * {@link IllegalStateException}.
 *
 * @since 0.1.0
 */
public interface LoadedModel extends AutoCloseable {

    /** {@return id of the backend that loaded this model} */
    String backendId();

    /** {@return what was loaded, for messages} */
    String modelName();

    /** {@return input specs in the order {@link #run} expects them} */
    List<TensorSpec> inputs();

    /** {@return output specs in the order {@link #run} fills them} */
    List<TensorSpec> outputs();

    /** {@return inputs and outputs together} */
    default ModelSignature signature() {
        return new ModelSignature(inputs(), outputs());
    }

    /**
     * Runs the model once.
     *
     * @param inputs  one tensor per {@link #inputs()} entry, same order
     * @param outputs one tensor per {@link #outputs()} entry, same order; filled by the run
     * @throws InferenceException    if the runtime fails; the model stays usable
     * @throws IllegalStateException if the model was closed
     */
    void run(Tensor[] inputs, Tensor[] outputs);

    /**
     * {@return the nanoseconds the calling thread's last {@link #run} spent waiting on a remote server, or
     * {@code -1} for a model that runs in this process} A session reads it right after each run, on the same
     * thread, and records it as the {@code NETWORK} stage, a part of {@code INFERENCE}. Backends that call out to
     * a server keep the value per thread, so that sessions sharing the model each read their own run's time.
     */
    default long lastRunRemoteNanos() {
        return -1;
    }

    /**
     * Runs the model {@code iterations} times on zero-filled inputs (dynamic dimensions set to 1) so that lazy
     * initialisation, kernel selection and caches are done before the first real frame.
     *
     * @param iterations number of runs, {@code >= 0}
     */
    default void warmup(int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations is " + iterations + "; allowed: >= 0");
        }
        if (iterations == 0) {
            return;
        }
        Tensor[] in = Tensors.allocate(inputs(), 1);
        Tensor[] out = Tensors.allocate(outputs(), 1);
        try {
            for (int i = 0; i < iterations; i++) {
                run(in, out);
            }
        } finally {
            Tensors.free(in);
            Tensors.free(out);
        }
    }

    /** Releases the model's native resources. Idempotent. */
    @Override
    void close();
}
