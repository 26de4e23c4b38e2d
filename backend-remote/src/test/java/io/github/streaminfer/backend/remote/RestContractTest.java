package io.github.streaminfer.backend.remote;

/** The backend contract over REST (JSON), against the same Python Open Inference Protocol server. */
class RestContractTest extends GrpcContractTest {
    @Override
    protected String endpoint() {
        return server.httpEndpoint();
    }
}
