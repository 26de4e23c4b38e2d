package io.github.streaminfer.client;

import java.util.Map;

/**
 * The server's answer to one openpi observation.
 *
 * @param actions          the action chunk, as the server sent it ({@code <f4 [horizon, dim]} from a StreamInfer server)
 * @param serverInferMillis observation arrival to result on the server ({@code server_timing.infer_ms}), or NaN
 * @param policyInferMillis the model run alone ({@code policy_timing.infer_ms}), or NaN
 * @param message          the whole reply, keys as the server sent them
 * @since 0.1.0
 */
public record OpenPiReply(OpenPiArray actions, double serverInferMillis, double policyInferMillis,
                          Map<String, Object> message) {

    /** {@return the number of steps in the chunk}: the first dimension, 1 for a 1-d chunk */
    public int horizon() {
        return actions.shape().length < 2 ? 1 : (int) actions.shape()[0];
    }

    /** {@return the values per step}: the last dimension */
    public int dim() {
        long[] s = actions.shape();
        return s.length == 0 ? 1 : (int) s[s.length - 1];
    }
}
