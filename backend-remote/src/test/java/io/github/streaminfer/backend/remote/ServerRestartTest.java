package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.remote.RemoteInferenceException.Reason;
import io.github.streaminfer.session.SessionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A server that dies mid-stream and comes back: frames fail as unreachable meanwhile, then stream again. */
class ServerRestartTest {
    private OipTestServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = OipTestServer.start();
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "http"})
    void sessionKeepsRunningWhileTheServerIsDownAndResumesWhenItIsBack(String binding) throws Exception {
        String endpoint = binding.equals("grpc") ? server.grpcEndpoint() : server.httpEndpoint();
        RemoteBackend backend = new RemoteBackend(RemoteConfig.builder().endpoint(endpoint)
                .deadline(Duration.ofMillis(500)).controlDeadline(Duration.ofSeconds(10)).build());
        try (LoadedModel m = backend.load(ModelSource.ofBytes(OipTestServer.MODEL, new byte[0]), ModelOptions.DEFAULT);
             Frames f = new Frames(m, "restart-" + binding)) {
            assertThat(f.streamUntil(Frames.atLeast(5, 0, Frames.Outcome::ok), 10, 20_000)).isTrue();
            int mark = f.outcomes.size();
            server.kill();
            assertThat(f.streamUntil(Frames.atLeast(3, mark, o -> o.error() instanceof RemoteInferenceException e
                    && e.reason() == Reason.UNREACHABLE && e.getMessage().contains(endpoint)), 20, 20_000))
                    .as("unreachable failures; saw %s", f.outcomes).isTrue();
            assertThat(backend.isAvailable()).isFalse();
            assertThat(f.session.state()).isEqualTo(SessionState.RUNNING);

            server.restart();
            int back = f.outcomes.size();
            assertThat(f.streamUntil(Frames.atLeast(5, back, Frames.Outcome::ok), 20, 30_000))
                    .as("frames succeed again after the restart; saw %s", f.since(back))
                    .isTrue();
            assertThat(f.session.state()).isEqualTo(SessionState.RUNNING);
            assertThat(f.session.stats().failedBackend()).isGreaterThanOrEqualTo(3);
        }
    }
}
