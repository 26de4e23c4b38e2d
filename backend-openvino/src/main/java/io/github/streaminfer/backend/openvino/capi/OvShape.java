package io.github.streaminfer.backend.openvino.capi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * OpenVINO's {@code ov_shape_t} ({@code int64_t rank; int64_t* dims;}), passed by value to
 * {@code ov_tensor_create_from_host_ptr}. OpenVINO copies the dimensions, so {@link #dims} need only live for the
 * call.
 *
 * <p><b>Note:</b> not thread-safe; one instance per call site.
 */
@Structure.FieldOrder({"rank", "dims"})
public final class OvShape extends Structure implements Structure.ByValue {
    /** Byte offset of {@code rank} in {@code ov_shape_t}. */
    public static final int RANK_OFFSET = 0;
    /** Byte offset of {@code dims} in {@code ov_shape_t}. */
    public static final int DIMS_OFFSET = 8;
    /** Size of {@code ov_shape_t} in bytes. */
    public static final int SIZE = 16;

    /** Number of dimensions. */
    public long rank;
    /** Native array of {@code rank} 64-bit dimensions. */
    public Pointer dims;

    /** Creates an empty shape (rank 0, no dimensions). */
    public OvShape() {
        super();
    }
}
