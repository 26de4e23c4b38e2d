package io.github.streaminfer.backend.openvino.capi;

/**
 * An OpenVINO C API call returned a status other than {@code OK}. The message names the function, the status and
 * OpenVINO's own error text; the backend wraps it in StreamInfer's exceptions with the model's name.
 */
public final class OvException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final int status;
    private final String errorText;

    /**
     * Creates the exception.
     *
     * @param function  the C function that failed, e.g. {@code ov_core_read_model}
     * @param status    the status it returned
     * @param errorText OpenVINO's text for the failure (from {@code ov_get_last_err_msg} or
     *                  {@code ov_get_error_info})
     */
    public OvException(String function, int status, String errorText) {
        super(function + " returned " + OvStatus.name(status) + " (" + status + "): " + errorText);
        this.function = function;
        this.status = status;
        this.errorText = errorText;
    }

    /** {@return the C function that failed} */
    public String function() {
        return function;
    }

    /** {@return the status code it returned} */
    public int status() {
        return status;
    }

    /** {@return OpenVINO's text for the failure} */
    public String errorText() {
        return errorText;
    }
}
