package io.github.streaminfer.backend.remote;

import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both bindings over TLS: the server's certificate is trusted when configured, refused when not. */
class TlsTest {
    private static final java.time.Duration SLOW_MACHINE = java.time.Duration.ofSeconds(10);
    private static OipTestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = OipTestServer.startWithTls();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpcs", "https"})
    void trustedCertificateConnectsAndAnUntrustedOneIsRefused(String binding) {
        String endpoint = binding.equals("grpcs") ? server.grpcEndpoint() : server.httpEndpoint();
        assertThat(endpoint).startsWith(binding + "://");
        RemoteBackend trusting = new RemoteBackend(RemoteConfig.builder().endpoint(endpoint).deadline(SLOW_MACHINE)
                .controlDeadline(SLOW_MACHINE).trustedCertificates(server.certificate()).build());
        assertThat(trusting.isAvailable()).as("%s", trusting.unavailabilityCause()).isTrue();
        ModelSource model = ModelSource.ofBytes(OipTestServer.MODEL, new byte[0]);
        try (LoadedModel m = trusting.load(model, ModelOptions.DEFAULT)) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            m.run(in, out);
            assertThat(out[0].getFloat(0)).isBetween(-1f, 1f);
        }
        RemoteBackend defaultTrust = new RemoteBackend(RemoteConfig.builder().endpoint(endpoint).build());
        assertThat(defaultTrust.isAvailable()).as("a self-signed certificate is not in the JVM's trust store")
                .isFalse();
        assertThatThrownBy(() -> defaultTrust.load(model, ModelOptions.DEFAULT))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining(endpoint);
    }
}
