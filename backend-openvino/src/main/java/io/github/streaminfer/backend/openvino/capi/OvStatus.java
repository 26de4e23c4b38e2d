package io.github.streaminfer.backend.openvino.capi;

/**
 * The status codes of OpenVINO's C API ({@code ov_status_e}): every function returns {@link #OK} (0) or a negative
 * code, and leaves a text for the failure behind for {@code ov_get_last_err_msg}.
 */
public final class OvStatus {
    /** Success. */
    public static final int OK = 0;
    /** An OpenVINO exception (most failures: unreadable model, unsupported property, unknown device, …). */
    public static final int GENERAL_ERROR = -1;
    /** The called feature is not implemented by the plugin. */
    public static final int NOT_IMPLEMENTED = -2;
    /** An argument the C wrapper checked itself was invalid (a null pointer, an odd property count, …). */
    public static final int INVALID_C_PARAM = -14;

    private static final String[] NAMES = {"OK", "GENERAL_ERROR", "NOT_IMPLEMENTED", "NETWORK_NOT_LOADED",
        "PARAMETER_MISMATCH", "NOT_FOUND", "OUT_OF_BOUNDS", "UNEXPECTED", "REQUEST_BUSY", "RESULT_NOT_READY",
        "NOT_ALLOCATED", "INFER_NOT_STARTED", "NETWORK_NOT_READ", "INFER_CANCELLED", "INVALID_C_PARAM",
        "UNKNOWN_C_ERROR", "NOT_IMPLEMENT_C_METHOD", "UNKNOW_EXCEPTION"};

    private OvStatus() {
    }

    /**
     * Names a status code as OpenVINO's header spells it.
     *
     * @param status a status code
     * @return its {@code ov_status_e} name, e.g. {@code GENERAL_ERROR}, or {@code status N} for an unknown code
     */
    public static String name(int status) {
        int index = -status;
        return index >= 0 && index < NAMES.length ? NAMES[index] : "status " + status;
    }
}
