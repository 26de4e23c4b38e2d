package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.Tensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bearer token travels on both bindings; a server that refuses it gets a clear error. */
class CredentialsTest {
    private static final java.time.Duration SLOW_MACHINE = java.time.Duration.ofSeconds(10);
    private static OipTestServer server;
    private static final ModelSource MODEL = ModelSource.ofBytes(OipTestServer.MODEL, new byte[0]);

    @BeforeAll
    static void startServer() throws Exception {
        server = OipTestServer.startWithToken("s3cret");
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static RemoteBackend backend(String endpoint, String token) {
        return new RemoteBackend(RemoteConfig.builder().endpoint(endpoint).deadline(SLOW_MACHINE)
                .controlDeadline(SLOW_MACHINE).bearerToken(token).build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void bearerTokenIsSentAndAWrongOneIsRefusedInWords(String binding) {
        String endpoint = binding.equals("grpc") ? server.grpcEndpoint() : server.httpEndpoint();
        RemoteBackend wrong = backend(endpoint, "nope");
        assertThatThrownBy(() -> wrong.load(MODEL, ModelOptions.DEFAULT)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("refused our credentials");
        RemoteBackend right = backend(endpoint, "s3cret");
        try (LoadedModel m = right.load(MODEL, ModelOptions.DEFAULT)) {
            m.run(Tensors.allocate(m.inputs(), 1), Tensors.allocate(m.outputs(), 1));
            assertThat(m.lastRunRemoteNanos()).isPositive();
        }
        assertThat(wrong.config().toString()).doesNotContain("nope");
    }
}
