package io.github.streaminfer.session;

/**
 * Receives results: pushed on the session's worker (as a listener), or pulled on a consumer thread
 * ({@link StreamingInferenceSession#drainResults}).
 *
 * <p><b>Note:</b> a listener runs on the worker and must not block; whatever it does delays the next frame. The
 * result is valid only during the call; {@link InferenceResult#retain()} it to keep it longer. An exception thrown
 * by a listener is counted and passed to the session's {@link ErrorHandler}; it never stops the worker.
 *
 * @param <O> result value type
 * @since 0.1.0
 */
@FunctionalInterface
public interface ResultListener<O> {

    /**
     * Receives one frame's result on the session's worker; must not throw or block.
     *
     * @param result the result, valid during this call
     */
    void onResult(InferenceResult<O> result);
}
