package io.github.streaminfer.backend.remote;

import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.remote.RemoteInferenceException.Reason;
import io.github.streaminfer.session.SessionState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each way a remote call fails gives a clear error in our words, and a session over the model keeps running
 * through it. Over both bindings, against the Python Open Inference Protocol server.
 */
class RemoteFailureTest {
    private static OipTestServer server;
    private static final ModelSource MODEL = ModelSource.ofBytes(OipTestServer.MODEL, new byte[0]);

    @BeforeAll
    static void startServer() throws Exception {
        server = OipTestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static String endpoint(String binding) {
        return binding.equals("grpc") ? server.grpcEndpoint() : server.httpEndpoint();
    }

    private static RemoteBackend backend(String endpoint, Duration deadline) {
        return new RemoteBackend(RemoteConfig.builder().endpoint(endpoint).deadline(deadline)
                .controlDeadline(Duration.ofSeconds(10)).build());
    }

    private static Predicate<Frames.Outcome> failedWith(Reason reason, String text) {
        return o -> o.error() instanceof RemoteInferenceException e && e.reason() == reason
                && e.getMessage().contains(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void unreachableServerMakesTheBackendUnavailableWithTheEndpointInTheCause(String binding) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String endpoint = binding + "://127.0.0.1:" + port;
        RemoteBackend backend = backend(endpoint, Duration.ofSeconds(1));
        assertThat(backend.isAvailable()).isFalse();
        assertThat(backend.unavailabilityCause().getMessage()).contains("unreachable").contains(endpoint);
        assertThatThrownBy(() -> backend.load(MODEL, ModelOptions.DEFAULT))
                .isInstanceOf(BackendUnavailableException.class).hasMessageContaining("unreachable")
                .hasMessageContaining(endpoint);
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void modelThatIsNotReadyOrUnknownIsRefusedAtLoadByName(String binding) {
        RemoteBackend backend = backend(endpoint(binding), Duration.ofSeconds(1));
        assertThat(backend.isAvailable()).isTrue();
        assertThatThrownBy(() -> backend.load(ModelSource.ofBytes(OipTestServer.NOT_READY, new byte[0]),
                ModelOptions.DEFAULT)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'" + OipTestServer.NOT_READY + "'").hasMessageContaining("not ready");
        assertThatThrownBy(() -> backend.load(MODEL, ModelOptions.DEFAULT.toBuilder()
                .property(RemoteBackend.MODEL_PROPERTY, "no_such_model").build()))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("'no_such_model'")
                .hasMessageContaining("not known");
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void timeoutMidStreamFailsThoseFramesAndTheSessionRecovers(String binding) throws Exception {
        try (LoadedModel m = backend(endpoint(binding), Duration.ofMillis(300)).load(MODEL, ModelOptions.DEFAULT);
             Frames f = new Frames(m, "timeout-" + binding)) {
            assertThat(f.streamUntil(Frames.atLeast(5, 0, Frames.Outcome::ok), 10, 20_000)).isTrue();
            int mark = f.outcomes.size();
            server.delay(800);
            try {
                assertThat(f.streamUntil(Frames.atLeast(2, mark,
                        failedWith(Reason.DEADLINE_EXCEEDED, "did not answer within the 300 ms deadline")), 20, 20_000))
                        .as("deadline failures; saw %s", f.outcomes).isTrue();
            } finally {
                server.delay(0);
            }
            assertThat(f.session.state()).isEqualTo(SessionState.RUNNING);
            int after = f.outcomes.size();
            assertThat(f.streamUntil(Frames.atLeast(5, after, Frames.Outcome::ok), 10, 20_000)).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void answerWithWrongDtypeOrShapeIsAClearFailureAndTheSessionGoesOn(String binding) throws Exception {
        try (LoadedModel m = backend(endpoint(binding), Duration.ofSeconds(2)).load(MODEL, ModelOptions.DEFAULT);
             Frames f = new Frames(m, "corrupt-" + binding)) {
            try {
                server.corrupt("dtype");
                assertThat(f.streamUntil(Frames.atLeast(2, 0, failedWith(Reason.BAD_RESPONSE,
                        "answered output 'y' as FP64; the model's metadata says FP32")), 10, 20_000))
                        .as("dtype failures; saw %s", f.outcomes).isTrue();
                int mark = f.outcomes.size();
                server.corrupt("shape");
                assertThat(f.streamUntil(Frames.atLeast(2, mark, failedWith(Reason.BAD_RESPONSE,
                        "answered output 'y' with shape [1, 3]; the model's metadata says [?, 4]")), 10, 20_000))
                        .as("shape failures; saw %s", f.outcomes).isTrue();
            } finally {
                server.corrupt("none");
            }
            int after = f.outcomes.size();
            assertThat(f.streamUntil(Frames.atLeast(5, after, Frames.Outcome::ok), 10, 20_000)).isTrue();
            assertThat(f.session.state()).isEqualTo(SessionState.RUNNING);
        }
    }
}
