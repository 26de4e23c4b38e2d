package io.github.streaminfer.testkit.session;

import io.github.streaminfer.session.*;

import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SessionSmokeTest {
    @Test
    void infersAndPublishes() throws Exception {
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 3)
                .output("y", DType.FLOAT32, 1, 3).script(ScriptedModel.Script.affine(2, 1)).build();
        try (StreamingInferenceSession<float[], FloatVector> s = StreamingInferenceSession
                .builder(model, FloatArrayTask.firstInputOutput()).build()) {
            assertThat(s.submit(new float[]{1, 2, 3})).isEqualTo(SubmitStatus.ACCEPTED);
            InferenceResult<FloatVector> r = null;
            for (int i = 0; i < 2000 && r == null; i++) {
                r = s.pollResult();
                Thread.sleep(1);
            }
            assertThat(r).isNotNull();
            assertThat(r.value().toArray()).containsExactly(3f, 5f, 7f);
            r.release();
            SessionStats st = s.stats();
            assertThat(st.inferred()).isEqualTo(1);
            assertThat(st.isBalanced()).isTrue();
        }
    }
}
