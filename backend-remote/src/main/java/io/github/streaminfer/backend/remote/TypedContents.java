package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.remote.oip.InferTensorContents;
import io.github.streaminfer.tensor.Tensor;

/**
 * Reads an output a server sent as typed {@code contents} instead of raw bytes (the protocol allows both), element
 * by element from protobuf's primitive lists: nothing is boxed.
 *
 * <p><b>Note:</b> stateless; thread-safe.
 */
final class TypedContents {
    private TypedContents() {
    }

    /**
     * Copies {@code contents} into {@code out}, whose shape already is the answer's.
     *
     * @param contents the typed contents
     * @param out      the output tensor
     * @param where    endpoint and model, for the message
     */
    static void copy(InferTensorContents contents, Tensor out, String where) {
        long n = out.elementCount();
        switch (out.dtype()) {
            case FLOAT32 -> {
                check(contents.getFp32ContentsCount(), n, out, where);
                for (int i = 0; i < n; i++) {
                    out.putFloat(i, contents.getFp32Contents(i));
                }
            }
            case INT64 -> {
                check(contents.getInt64ContentsCount(), n, out, where);
                for (int i = 0; i < n; i++) {
                    out.putLong(i, contents.getInt64Contents(i));
                }
            }
            case INT32 -> {
                check(contents.getIntContentsCount(), n, out, where);
                for (int i = 0; i < n; i++) {
                    out.putInt(i, contents.getIntContents(i));
                }
            }
            case UINT8 -> {
                check(contents.getUintContentsCount(), n, out, where);
                for (int i = 0; i < n; i++) {
                    out.buffer().put(i, (byte) contents.getUintContents(i));
                }
            }
            case BOOL -> {
                check(contents.getBoolContentsCount(), n, out, where);
                for (int i = 0; i < n; i++) {
                    out.buffer().put(i, (byte) (contents.getBoolContents(i) ? 1 : 0));
                }
            }
            case FLOAT16 -> throw OipTypes.badResponse(where + " sent FP16 output '" + out.name()
                    + "' as typed contents; the protocol carries FP16 only as raw_output_contents");
        }
    }

    private static void check(int count, long expected, Tensor out, String where) {
        if (count != expected) {
            throw OipTypes.badResponse(where + " sent " + count + " values for output '" + out.name() + "'; its shape"
                    + " holds " + expected);
        }
    }
}
