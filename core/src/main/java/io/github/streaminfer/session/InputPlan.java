package io.github.streaminfer.session;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Decides, while a session is built, who writes each model input and the concrete shape the session allocates for
 * it, and refuses a model that would run silently wrong: an input that no task, constant, recurrent state or
 * explicit zero declaration writes, and an input whose dynamic dimensions nobody fixed.
 *
 * <p><b>Note:</b> stateless; called once per session while it is built, after the task is bound.
 */
final class InputPlan {

    private InputPlan() {
    }

    /**
     * @param signature   the model's signature
     * @param task        the bound task
     * @param stateInputs inputs fed back by {@code recurrentState}
     * @param zeroInputs  inputs declared to stay zero
     * @param shapes      shapes fixed on the session builder, by input name
     * @return the concrete shape of each input, in model input order
     * @throws IllegalArgumentException naming every unwritten input, or an input whose shape is undecided or does not
     *                                  fit the model, with the fix
     */
    static long[][] shapes(ModelSignature signature, InferenceTask<?, ?> task, Collection<String> stateInputs,
                           Collection<String> zeroInputs, Map<String, long[]> shapes) {
        List<String> names = new ArrayList<>();
        for (TensorSpec spec : signature.inputs()) {
            names.add(spec.name());
        }
        for (String declared : zeroInputs) {
            if (!names.contains(declared)) {
                throw new IllegalArgumentException("zeroInput '" + declared + "' is not an input of the model; "
                        + "allowed: " + names);
            }
        }
        for (String fixed : shapes.keySet()) {
            if (!names.contains(fixed)) {
                throw new IllegalArgumentException("inputShape '" + fixed + "' is not an input of the model; "
                        + "allowed: " + names);
            }
        }
        String taskName = task.getClass().getSimpleName();
        List<String> unwritten = new ArrayList<>();
        for (TensorSpec spec : signature.inputs()) {
            String n = spec.name();
            if (!task.writesInput(n) && !stateInputs.contains(n) && !zeroInputs.contains(n)) {
                unwritten.add("'" + n + "' " + spec.dtype() + Shapes.toString(spec.shape()));
            }
        }
        if (!unwritten.isEmpty()) {
            throw new IllegalArgumentException("model input" + (unwritten.size() > 1 ? "s " : " ")
                    + String.join(", ", unwritten) + (unwritten.size() > 1 ? " are" : " is") + " written by no one: "
                    + taskName + " does not write " + (unwritten.size() > 1 ? "them" : "it")
                    + ", and left at zero a model runs silently wrong; allowed: a task constant (e.g. "
                    + "SignalWindowTask.builder(...).constant(\"sr\", 16000)), recurrentState(output, input) on the "
                    + "session builder for a state fed back from an output, or zeroInput(name) on the session builder "
                    + "for an input meant to stay zero");
        }
        long[][] result = new long[signature.inputs().size()][];
        for (int i = 0; i < result.length; i++) {
            TensorSpec spec = signature.inputs().get(i);
            long[] fixed = shapes.get(spec.name());
            long[] shape = fixed != null ? fixed.clone() : task.inputShape(spec);
            String source = fixed != null ? "the session builder's inputShape" : taskName;
            if (!isConcrete(shape)) {
                throw new IllegalArgumentException("input '" + spec.name() + "' is " + spec.dtype()
                        + Shapes.toString(spec.shape()) + " and " + source + " leaves its shape undecided ("
                        + Shapes.toString(shape) + "); allowed: fix the dynamic dimensions on the task (e.g. "
                        + "FloatArrayTask.withInputShape(...)) or with inputShape(\"" + spec.name()
                        + "\", dims...) on the session builder");
            }
            if (!spec.accepts(shape)) {
                throw new IllegalArgumentException("input '" + spec.name() + "' is " + spec.dtype()
                        + Shapes.toString(spec.shape()) + "; " + source + " gives it " + Shapes.toString(shape)
                        + "; allowed: a shape of rank " + spec.rank() + " that keeps the model's fixed dimensions");
            }
            result[i] = shape;
        }
        return result;
    }

    private static boolean isConcrete(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                return false;
            }
        }
        return true;
    }
}
