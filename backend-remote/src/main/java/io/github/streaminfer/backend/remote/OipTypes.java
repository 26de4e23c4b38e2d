package io.github.streaminfer.backend.remote;

import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.List;

/**
 * The protocol's tensor data types and the checks both bindings make on an answer.
 *
 * <p><b>Note:</b> stateless; thread-safe.
 */
final class OipTypes {
    private OipTypes() {
    }

    /** {@return the protocol's name of {@code dtype}} */
    static String datatype(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "FP32";
            case FLOAT16 -> "FP16";
            case INT64 -> "INT64";
            case INT32 -> "INT32";
            case UINT8 -> "UINT8";
            case BOOL -> "BOOL";
        };
    }

    /**
     * {@return our type for the protocol's {@code datatype}}
     *
     * @param datatype the protocol's name, e.g. {@code FP32}
     * @param what     the tensor and model, for the message
     * @throws ModelLoadException naming the types StreamInfer supports, for any other
     */
    static DType dtype(String datatype, String what) {
        return switch (datatype) {
            case "FP32" -> DType.FLOAT32;
            case "FP16" -> DType.FLOAT16;
            case "INT64" -> DType.INT64;
            case "INT32" -> DType.INT32;
            case "UINT8" -> DType.UINT8;
            case "BOOL" -> DType.BOOL;
            default -> throw new ModelLoadException(what + " has datatype '" + datatype
                    + "'; StreamInfer supports FP32, FP16, INT64, INT32, UINT8, BOOL");
        };
    }

    /**
     * Checks one answered output against its tensor and gives the tensor the answer's shape.
     *
     * @param out      the caller's output tensor
     * @param datatype the datatype the server answered with
     * @param shape    the shape the server answered with
     * @param where    endpoint and model, for the message
     * @throws RemoteInferenceException ({@link RemoteInferenceException.Reason#BAD_RESPONSE}) on any mismatch
     */
    static void fitOutput(Tensor out, String datatype, long[] shape, String where) {
        if (!datatype.equals(datatype(out.dtype()))) {
            throw badResponse(where + " answered output '" + out.name() + "' as " + datatype
                    + "; the model's metadata says " + datatype(out.dtype()));
        }
        if (!out.spec().accepts(shape)) {
            throw badResponse(where + " answered output '" + out.name() + "' with shape " + Shapes.toString(shape)
                    + "; the model's metadata says " + Shapes.toString(out.spec().shape()));
        }
        out.reshape(shape);
    }

    /** {@return the exception for an answer that does not fit the metadata} */
    static RemoteInferenceException badResponse(String message) {
        return new RemoteInferenceException(RemoteInferenceException.Reason.BAD_RESPONSE, message, null);
    }

    /**
     * Checks the caller's input tensors against the signature before anything is sent.
     *
     * @param signature the model's signature
     * @param inputs    the caller's inputs
     * @param where     endpoint and model, for the message
     * @throws IllegalArgumentException naming the tensor and what is wrong
     */
    static void checkInputs(ModelSignature signature, Tensor[] inputs, String where) {
        List<TensorSpec> specs = signature.inputs();
        if (inputs.length != specs.size()) {
            throw new IllegalArgumentException(where + " takes " + specs.size() + " inputs; got " + inputs.length);
        }
        for (int i = 0; i < inputs.length; i++) {
            TensorSpec spec = specs.get(i);
            Tensor t = inputs[i];
            if (t.dtype() != spec.dtype() || !fits(t, spec)) {
                throw new IllegalArgumentException(where + ": input " + i + " '" + t.name() + "' is " + t.dtype()
                        + " " + Shapes.toString(t.shape()) + "; the model's metadata says " + spec);
            }
        }
    }

    /** {@return whether the tensor's current shape is one the spec accepts} Allocates nothing. */
    private static boolean fits(Tensor t, TensorSpec spec) {
        if (t.rank() != spec.rank()) {
            return false;
        }
        for (int k = 0; k < spec.rank(); k++) {
            if (spec.dim(k) >= 0 && spec.dim(k) != t.dim(k)) {
                return false;
            }
        }
        return true;
    }
}
