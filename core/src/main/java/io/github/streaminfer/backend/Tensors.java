package io.github.streaminfer.backend;

import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.List;

/**
 * Allocation helpers for arrays of tensors matching a model's specs.
 *
 * @since 0.1.0
 */
public final class Tensors {
    private Tensors() {
    }

    /**
     * Allocates one tensor per spec, replacing dynamic dimensions with {@code dynamicValue}.
     *
     * @param specs        the specs, in order
     * @param dynamicValue size for dynamic dimensions
     * @return the tensors, in the same order
     */
    public static Tensor[] allocate(List<TensorSpec> specs, long dynamicValue) {
        Tensor[] t = new Tensor[specs.size()];
        for (int i = 0; i < t.length; i++) {
            TensorSpec s = specs.get(i);
            t[i] = Tensor.allocate(s, s.withDynamicDims(dynamicValue).shape());
        }
        return t;
    }

    /**
     * Frees every tensor in the array.
     *
     * @param tensors tensors to free; null entries are skipped
     */
    public static void free(Tensor[] tensors) {
        for (Tensor t : tensors) {
            if (t != null) {
                t.free();
            }
        }
    }

    /**
     * {@return the index of the spec with that name, or -1}
     *
     * @param specs the specs
     * @param name  a tensor name
     */
    public static int indexOf(List<TensorSpec> specs, String name) {
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
