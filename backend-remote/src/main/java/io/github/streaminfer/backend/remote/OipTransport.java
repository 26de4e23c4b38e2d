package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.tensor.Tensor;

/**
 * One binding of the Open Inference Protocol (gRPC or REST) to one endpoint. Every failure is a
 * {@link RemoteInferenceException} whose message names the endpoint and, where there is one, the model.
 *
 * <p><b>Note:</b> implementations are thread-safe; {@link #infer} may run on several threads at once.
 */
interface OipTransport extends AutoCloseable {

    /** {@return the endpoint, for messages} */
    String endpoint();

    /** {@return whether the server says it is live} */
    boolean serverLive();

    /**
     * {@return whether the server says the model is ready}
     *
     * @param model   model name
     * @param version version, or empty for the server's choice
     */
    boolean modelReady(String model, String version);

    /**
     * {@return the model's inputs and outputs, as the server describes them}
     *
     * @param model   model name
     * @param version version, or empty for the server's choice
     */
    ModelSignature modelMetadata(String model, String version);

    /**
     * Runs one inference: sends {@code inputs}, checks the answer against {@code outputs}' specs and copies it in.
     *
     * @param model   model name
     * @param version version, or empty for the server's choice
     * @param inputs  input tensors, in the signature's order
     * @param outputs output tensors, in the signature's order; reshaped to the answer's shapes
     * @return nanoseconds from sending the request to the whole answer having arrived
     */
    long infer(String model, String version, Tensor[] inputs, Tensor[] outputs);

    /** Releases this binding's share of the connection. Idempotent. */
    @Override
    void close();
}
