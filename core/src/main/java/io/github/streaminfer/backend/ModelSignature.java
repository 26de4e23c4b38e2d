package io.github.streaminfer.backend;

import io.github.streaminfer.tensor.TensorSpec;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The inputs and outputs of a model, in the order a backend runs them.
 *
 * @param inputs  input specs
 * @param outputs output specs
 * @since 0.1.0
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

    /**
     * Creates a signature; the lists are copied.
     *
     * @param inputs  input specs
     * @param outputs output specs
     */
    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * {@return the index of that input}
     *
     * @param name input name
     * @throws IllegalArgumentException naming the inputs the model has, if there is none by that name
     */
    public int inputIndex(String name) {
        int i = Tensors.indexOf(inputs, name);
        if (i < 0) {
            throw new IllegalArgumentException("model has no input '" + name + "'; its inputs are " + describe(inputs));
        }
        return i;
    }

    /**
     * {@return the index of that output}
     *
     * @param name output name
     * @throws IllegalArgumentException naming the outputs the model has, if there is none by that name
     */
    public int outputIndex(String name) {
        int i = Tensors.indexOf(outputs, name);
        if (i < 0) {
            throw new IllegalArgumentException("model has no output '" + name + "'; its outputs are " + describe(outputs));
        }
        return i;
    }

    static String describe(List<TensorSpec> specs) {
        return specs.stream().map(TensorSpec::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    @Override
    public String toString() {
        return "inputs " + describe(inputs) + " -> outputs " + describe(outputs);
    }
}
