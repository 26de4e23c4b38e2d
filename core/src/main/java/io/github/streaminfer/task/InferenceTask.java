package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

/**
 * Turns an observation {@code I} into a model's input tensors and the model's output tensors into a result
 * {@code O}. A session calls {@link #bind} once, then {@link #preprocess} and {@link #decode} for every frame, all
 * on its worker thread.
 *
 * <p>Results are pre-allocated: the session asks {@link #newOutput()} for one value per result slot when it is
 * built and {@link #decode} fills a slot's value in place, so a task whose output is a mutable holder allocates
 * nothing per frame.
 *
 * <p><b>Note:</b> a task instance belongs to one session (it may keep per-stream state such as a sliding window);
 * its methods are only called from that session's worker. {@link #newOutput()} is called while the session is
 * built.
 *
 * @param <I> observation type
 * @param <O> result type
 * @since 0.1.0
 */
public interface InferenceTask<I, O> {

    /**
     * Checks that the model has the inputs and outputs this task needs and remembers their positions.
     *
     * @param model the model's signature
     * @throws IllegalArgumentException naming the missing or mismatched tensor, what was expected and what the model
     *                                  has
     */
    void bind(ModelSignature model);

    /**
     * The concrete shape the session allocates for an input (see {@code StreamingInferenceSession.Builder#inputShape},
     * which overrides it). The default fixes a dynamic <em>leading</em> dimension (the batch) to 1 for an input this
     * task {@linkplain #writesInput writes}, and every dynamic dimension to 1 for one it does not (a recurrent state or
     * a zero input: a batch of one). Any other dynamic dimension is left at {@link TensorSpec#DYNAMIC}, and the
     * session's {@code build()} then fails naming the input and the fix: a task whose input has dynamic sizes (an
     * image {@code [?, 3, ?, ?]}) must decide them, for example {@link FloatArrayTask#withInputShape(long...)}.
     *
     * @param spec an input spec of the bound model
     * @return its concrete shape, or a shape with {@link TensorSpec#DYNAMIC} where this task cannot decide
     */
    default long[] inputShape(TensorSpec spec) {
        long[] shape = spec.shape();
        boolean written = writesInput(spec.name());
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 && (!written || i == 0)) {
                shape[i] = 1;
            }
        }
        return shape;
    }

    /**
     * Whether this task writes an input on every frame (called after {@link #bind}, while the session is built).
     * The session's {@code build()} fails for any model input that neither the task, a recurrent state
     * ({@code recurrentState(output, input)} on the session builder) nor an explicit {@code zeroInput(name)} writes:
     * an input left at zero by mistake (a recurrent state, a sample rate) runs the model silently wrong. The default
     * answers true for every input, for tasks written before this method existed; the built-in tasks name exactly
     * the inputs they fill.
     *
     * @param inputName a model input
     * @return true if {@link #preprocess} writes it (or writes it once and keeps it, such as a constant)
     */
    default boolean writesInput(String inputName) {
        return true;
    }

    /** {@return a fresh, empty result value, later filled by {@link #decode}} */
    O newOutput();

    /**
     * Writes one observation into the input tensors.
     *
     * @param observation the observation, never null
     * @param inputs      the session's input tensors, in model input order
     * @throws InvalidInputException if the observation does not fit the model (wrong shape, type or non-finite
     *                               values); the frame fails, the session goes on
     */
    void preprocess(I observation, Tensor[] inputs);

    /**
     * Reads the output tensors into a result value.
     *
     * @param outputs the output tensors of this run, in model output order
     * @param into    the result value to fill (from {@link #newOutput()})
     */
    void decode(Tensor[] outputs, O into);

    /**
     * Whether this frame produces a result. A windowed task returns false until its window is full; the frame is
     * then counted as consumed without inference. Called after {@link #preprocess}.
     *
     * @return true to run the model for the frame just preprocessed
     */
    default boolean ready() {
        return true;
    }

    /**
     * Whether this task's frames are consecutive parts of one stream (blocks of a signal that a window slides over),
     * so that losing or replacing one corrupts what the model sees. The session builder refuses a lossy ingress
     * ({@code LATEST_ONLY}, {@code DROP_OLDEST}) for such a task, except that the default {@code LATEST_ONLY} becomes
     * a lossless {@code REJECT_NEWEST} queue; {@code allowLossyIngress(true)} on the builder keeps a lossy policy.
     * The default is false: each frame stands alone, and the freshest one is worth the most.
     *
     * @return true if every frame must reach the task, in order
     */
    default boolean streamContinuous() {
        return false;
    }

    /**
     * Fills input tensors with values the model accepts for warm-up runs (for example a sample-rate input that
     * must not be 0). The default leaves them zero. The session zeroes every input again after warming up.
     *
     * @param inputs the session's input tensors, zero-filled
     */
    default void prepareWarmup(Tensor[] inputs) {
    }

    /** Clears per-stream state (windows, trackers). Called on the worker by {@code session.reset()}. */
    default void reset() {
    }

    /**
     * Releases what the task holds outside the Java heap (an image decoder's native buffers, for example). The
     * session calls it once when it closes, after its worker has stopped touching the task.
     */
    default void close() {
    }
}
