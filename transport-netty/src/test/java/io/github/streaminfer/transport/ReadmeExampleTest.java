package io.github.streaminfer.transport;

import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.time.NanoClock;
import io.github.streaminfer.transport.TestSupport.Ws;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedding example of docs/notes-transport.md (proposed README text), compiled and run. */
class ReadmeExampleTest {

    @Test
    void embeddingExampleServesAPolicy() throws Exception {
        String vlaKey = "vla_live_0123456789";
        try (LoadedModel model = Backends.require("onnx").load(ModelSource.ofBytes("policy.onnx",
                new SyntheticModels.Policy(224, 224, 12, 1, 0).bytes()), ModelOptions.DEFAULT)) {
            // --- README example starts here (port 8000 and host 0.0.0.0 in the README; loopback and port 0 here)
            SessionFactory<VlaFrame, ActionChunk> policy = (request, listener) -> StreamingInferenceSession
                    .builder(model, PolicyAdapters.vla(PolicyTask.builder()
                            .image("image", ImageSpec.builder(224, 224).build()).state("state").build()))
                    .config(SessionConfig.DEFAULT.toBuilder().name(request.sessionId()).build())
                    .listener(listener)
                    .build();
            try (StreamingServer server = StreamingServer.builder().host("127.0.0.1").port(0)
                    .access(AccessPolicy.builder().apiKey(vlaKey, Tier.PRO).build())
                    .vla(VlaEndpoint.of(policy, new ControlledActionEncoder(SafetyConfig.frankaCartesian(),
                            Duration.ofMillis(20), NanoClock.SYSTEM)))
                    .start()) {
                // --- README example ends here (server.awaitClose() in the README)
                try (Ws c = Ws.vla(server)) {
                    assertThat(c.auth(vlaKey, 10).get("type").asText()).isEqualTo("connected");
                    c.send(TestSupport.vlaFrame(TestSupport.dataUrl(TestSupport.jpeg(320, 240, 90)),
                            TestSupport.POSE, TestSupport.VEL));
                    var a = c.nextJson();
                    assertThat(a.get("type").asText()).as(a.toString()).isEqualTo("action");
                    assertThat(a.get("action")).hasSize(7);
                }
            }
        }
    }
}
