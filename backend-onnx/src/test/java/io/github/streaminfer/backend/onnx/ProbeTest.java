package io.github.streaminfer.backend.onnx;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.testkit.models.RealModel;
import org.junit.jupiter.api.Test;

class ProbeTest {
    @Test
    void probe() {
        for (RealModel m : RealModel.values()) {
            try (LoadedModel lm = new OnnxBackend().load(ModelSource.of(m.path()), ModelOptions.DEFAULT)) {
                System.out.println("PROBE " + m + " " + lm.signature());
            }
        }
    }
}
