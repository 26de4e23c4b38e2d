package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.backend.onnx.OnnxBackend;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A session over a remote model behaves like one over the same model run locally. */
class RemoteSessionTest {
    private static OipTestServer server;
    private static final ModelSource MODEL = ModelSource.ofBytes(OipTestServer.MODEL + ".onnx",
            OipTestServer.MLP.bytes());

    @BeforeAll
    static void startServer() throws Exception {
        server = OipTestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static RemoteBackend backend(String endpoint) {
        return new RemoteBackend(RemoteConfig.builder().endpoint(endpoint).deadline(Duration.ofSeconds(10))
                .controlDeadline(Duration.ofSeconds(10)).build());
    }

    @Test
    void serverMetadataBecomesTheSignatureTheLocalModelHas() {
        try (LoadedModel local = new OnnxBackend().load(MODEL, ModelOptions.DEFAULT);
             LoadedModel grpc = backend(server.grpcEndpoint()).load(MODEL, ModelOptions.DEFAULT);
             LoadedModel rest = backend(server.httpEndpoint()).load(MODEL, ModelOptions.DEFAULT)) {
            assertThat(grpc.signature()).isEqualTo(local.signature());
            assertThat(rest.signature()).isEqualTo(local.signature());
            assertThat(grpc.modelName()).contains(OipTestServer.MODEL).contains(server.grpcEndpoint());
        }
    }

    @Test
    void remoteSessionGivesTheLocalSessionsResultsAndStatsWithANetworkStage() throws Exception {
        for (String endpoint : List.of(server.grpcEndpoint(), server.httpEndpoint())) {
            try (LoadedModel local = new OnnxBackend().load(MODEL, ModelOptions.DEFAULT);
                 LoadedModel remote = backend(endpoint).load(MODEL, ModelOptions.DEFAULT)) {
                List<float[]> observations = new ArrayList<>();
                Random random = new Random(3);
                for (int i = 0; i < 30; i++) {
                    observations.add(Frames.observation(random));
                }
                SessionResult l = stream(local, observations);
                SessionResult r = stream(remote, observations);
                assertThat(r.values).hasSameSizeAs(l.values).hasSize(observations.size());
                for (int i = 0; i < l.values.size(); i++) {
                    float[] expected = l.values.get(i);
                    for (int k = 0; k < expected.length; k++) {
                        assertThat(r.values.get(i)[k]).as("%s frame %d [%d]", endpoint, i, k)
                                .isCloseTo(expected[k], within(1e-5f));
                    }
                }
                assertThat(r.stats.inferred()).isEqualTo(l.stats.inferred());
                assertThat(r.stats.isBalanced()).isTrue();
                assertThat(r.stats.latency(Stage.NETWORK).count()).as("one network time per inferred frame")
                        .isEqualTo(r.stats.inferred());
                assertThat(r.stats.latency(Stage.NETWORK).p50Nanos())
                        .isLessThanOrEqualTo(r.stats.latency(Stage.INFERENCE).maxNanos());
                assertThat(l.stats.latency(Stage.NETWORK).count()).as("a local model has no network stage")
                        .isZero();
            }
        }
    }

    private record SessionResult(List<float[]> values, SessionStats stats) {
    }

    private static SessionResult stream(LoadedModel model, List<float[]> observations) throws InterruptedException {
        List<float[]> values = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (StreamingInferenceSession<float[], FloatVector> s = StreamingInferenceSession
                .builder(model, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().name(model.backendId())
                        .ingress(IngressPolicy.rejectNewest(64)).build())
                .listener(r -> values.add(r.value().toArray()))
                .build()) {
            for (float[] o : observations) {
                assertThat(s.submit(o)).isEqualTo(SubmitStatus.ACCEPTED);
            }
            long end = System.currentTimeMillis() + 20_000;
            while (values.size() < observations.size() && System.currentTimeMillis() < end) {
                Thread.sleep(5);
            }
            return new SessionResult(values, s.stats());
        }
    }

    @Test
    void modelsFromOneEndpointShareOneConnectionUntilTheLastCloses() {
        int before = SharedConnections.openConnections();
        RemoteBackend backend = backend(server.grpcEndpoint());
        LoadedModel a = backend.load(MODEL, ModelOptions.DEFAULT);
        LoadedModel b = backend(server.grpcEndpoint()).load(MODEL, ModelOptions.DEFAULT);
        assertThat(SharedConnections.openConnections()).isEqualTo(before + 1);
        a.close();
        assertThat(SharedConnections.openConnections()).as("b still uses it").isEqualTo(before + 1);
        Tensor[] in = Tensors.allocate(b.inputs(), 1);
        Tensor[] out = Tensors.allocate(b.outputs(), 1);
        b.run(in, out);
        b.close();
        assertThat(SharedConnections.openConnections()).isEqualTo(before);
    }

    @Test
    void aRunBeyondMaxInFlightFailsAtOnceInsteadOfQueueing() throws Exception {
        RemoteBackend backend = new RemoteBackend(RemoteConfig.builder().endpoint(server.grpcEndpoint())
                .maxInFlight(1).deadline(Duration.ofSeconds(5)).build());
        try (LoadedModel m = backend.load(MODEL, ModelOptions.DEFAULT)) {
            server.delay(1500);
            CompletableFuture<Void> slow = CompletableFuture.runAsync(() ->
                    m.run(Tensors.allocate(m.inputs(), 1), Tensors.allocate(m.outputs(), 1)));
            long end = System.currentTimeMillis() + 5000;
            while (((RemoteModel) m).inFlight() == 0 && System.currentTimeMillis() < end) {
                Thread.sleep(1);
            }
            long start = System.nanoTime();
            assertThatThrownBy(() -> m.run(Tensors.allocate(m.inputs(), 1), Tensors.allocate(m.outputs(), 1)))
                    .isInstanceOfSatisfying(RemoteInferenceException.class, e -> assertThat(e.reason())
                            .isEqualTo(RemoteInferenceException.Reason.TOO_MANY_IN_FLIGHT))
                    .hasMessageContaining("1 requests in flight");
            assertThat(System.nanoTime() - start).as("refused without waiting for the slow call")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(1000));
            slow.get(10, TimeUnit.SECONDS);
        } finally {
            server.delay(0);
        }
    }
}
