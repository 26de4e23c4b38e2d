package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.BackendContractTest;
import io.github.streaminfer.testkit.ClassifierOutputs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

/** The backend contract over gRPC, against the Python Open Inference Protocol server. */
class GrpcContractTest extends BackendContractTest {
    static OipTestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = OipTestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    protected String endpoint() {
        return server.grpcEndpoint();
    }

    @Override
    protected InferenceBackend backend() {
        return new RemoteBackend(RemoteConfig.builder().endpoint(endpoint())
                // generous: the machine running the tests may be busy
                .deadline(Duration.ofSeconds(10)).controlDeadline(Duration.ofSeconds(10)).build());
    }

    @Override
    protected ModelSource model() {
        return ModelSource.ofBytes(OipTestServer.MODEL + ".onnx", new byte[0]);
    }

    @Override
    protected void checkOutputs(Tensor[] inputs, Tensor[] outputs) {
        ClassifierOutputs.check(inputs, outputs, SyntheticModels.TinyMlp.IN, OipTestServer.MLP::y, 1e-5f);
    }
}
