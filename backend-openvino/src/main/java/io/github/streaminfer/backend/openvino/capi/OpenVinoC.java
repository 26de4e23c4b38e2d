package io.github.streaminfer.backend.openvino.capi;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The functions of OpenVINO's C API 2.0 ({@code libopenvino_c}) that StreamInfer calls, bound with JNA.
 *
 * <p>Every symbol is looked up when the library is {@link #load(Path) loaded}, so a library that lacks one is refused
 * at once, naming what is missing, instead of failing at its first call. Fixed-arity functions are called through
 * JNA {@link Function} handles (no proxy, no lock); the one variadic function, {@code ov_core_compile_model}, goes
 * through a JNA interface so that JNA passes its property pairs as C variadic arguments.
 *
 * <p>Methods mirror the C functions one to one: pointer arguments are {@link Pointer}s, out-parameters are pointers
 * to memory the caller provides, {@code size_t} is a Java {@code long} (64-bit platforms only), and each method
 * returns the {@code ov_status_e} code; {@link #check(int, String)} turns a failure into an {@link OvException} with
 * OpenVINO's error text.
 *
 * <p><b>Note:</b> thread-safe; OpenVINO's C API may be called from several threads, but one infer request must only
 * be used by one thread at a time.
 */
public final class OpenVinoC {
    /** The library's base name: {@code libopenvino_c.so} on Linux, {@code openvino_c.dll} on Windows. */
    public static final String LIBRARY_NAME = "openvino_c";

    /** The variadic function, called through a JNA interface so that JNA knows where the fixed arguments end. */
    public interface Variadic extends Library {
        /**
         * {@code ov_core_compile_model(core, model, device_name, property_args_size, compiled_model, ...)}.
         *
         * @param core              {@code const ov_core_t*}
         * @param model             {@code const ov_model_t*}
         * @param deviceName        {@code const char*}, e.g. {@code CPU}
         * @param propertyArgsSize  number of variadic arguments: two per property (key, value)
         * @param compiledModel     {@code ov_compiled_model_t**}, receives the compiled model
         * @param keysAndValues     property keys and values, all {@code const char*}
         * @return the status code
         */
        int ov_core_compile_model(Pointer core, Pointer model, String deviceName, long propertyArgsSize,
                                  Pointer compiledModel, Object... keysAndValues);
    }

    private final Path file;
    private final Variadic variadic;
    private final Function getOpenvinoVersion;
    private final Function versionFree;
    private final Function getLastErrMsg;
    private final Function getErrorInfo;
    private final Function free;
    private final Function coreCreate;
    private final Function coreFree;
    private final Function coreReadModel;
    private final Function modelFree;
    private final Function compiledModelInputsSize;
    private final Function compiledModelOutputsSize;
    private final Function compiledModelInputByIndex;
    private final Function compiledModelOutputByIndex;
    private final Function compiledModelCreateInferRequest;
    private final Function compiledModelFree;
    private final Function portGetAnyName;
    private final Function portGetElementType;
    private final Function portGetPartialShape;
    private final Function partialShapeFree;
    private final Function outputConstPortFree;
    private final Function tensorCreateFromHostPtr;
    private final Function tensorGetShape;
    private final Function tensorData;
    private final Function tensorFree;
    private final Function shapeFree;
    private final Function setInputTensorByIndex;
    private final Function setOutputTensorByIndex;
    private final Function getOutputTensorByIndex;
    private final Function infer;
    private final Function inferRequestFree;

    private OpenVinoC(Path file, NativeLibrary lib, Variadic variadic) {
        this.file = file;
        this.variadic = variadic;
        List<String> missing = new ArrayList<>();
        getOpenvinoVersion = lookup(lib, "ov_get_openvino_version", missing);
        versionFree = lookup(lib, "ov_version_free", missing);
        getLastErrMsg = lookup(lib, "ov_get_last_err_msg", missing);
        getErrorInfo = lookup(lib, "ov_get_error_info", missing);
        free = lookup(lib, "ov_free", missing);
        coreCreate = lookup(lib, "ov_core_create", missing);
        coreFree = lookup(lib, "ov_core_free", missing);
        coreReadModel = lookup(lib, "ov_core_read_model", missing);
        lookup(lib, "ov_core_compile_model", missing);
        modelFree = lookup(lib, "ov_model_free", missing);
        compiledModelInputsSize = lookup(lib, "ov_compiled_model_inputs_size", missing);
        compiledModelOutputsSize = lookup(lib, "ov_compiled_model_outputs_size", missing);
        compiledModelInputByIndex = lookup(lib, "ov_compiled_model_input_by_index", missing);
        compiledModelOutputByIndex = lookup(lib, "ov_compiled_model_output_by_index", missing);
        compiledModelCreateInferRequest = lookup(lib, "ov_compiled_model_create_infer_request", missing);
        compiledModelFree = lookup(lib, "ov_compiled_model_free", missing);
        portGetAnyName = lookup(lib, "ov_port_get_any_name", missing);
        portGetElementType = lookup(lib, "ov_port_get_element_type", missing);
        portGetPartialShape = lookup(lib, "ov_port_get_partial_shape", missing);
        partialShapeFree = lookup(lib, "ov_partial_shape_free", missing);
        outputConstPortFree = lookup(lib, "ov_output_const_port_free", missing);
        tensorCreateFromHostPtr = lookup(lib, "ov_tensor_create_from_host_ptr", missing);
        tensorGetShape = lookup(lib, "ov_tensor_get_shape", missing);
        tensorData = lookup(lib, "ov_tensor_data", missing);
        tensorFree = lookup(lib, "ov_tensor_free", missing);
        shapeFree = lookup(lib, "ov_shape_free", missing);
        setInputTensorByIndex = lookup(lib, "ov_infer_request_set_input_tensor_by_index", missing);
        setOutputTensorByIndex = lookup(lib, "ov_infer_request_set_output_tensor_by_index", missing);
        getOutputTensorByIndex = lookup(lib, "ov_infer_request_get_output_tensor_by_index", missing);
        infer = lookup(lib, "ov_infer_request_infer", missing);
        inferRequestFree = lookup(lib, "ov_infer_request_free", missing);
        if (!missing.isEmpty()) {
            throw new UnsatisfiedLinkError(file + " lacks " + String.join(", ", missing)
                    + ": it is not OpenVINO's C API 2.0 library, or a release too old for this binding");
        }
    }

    private static Function lookup(NativeLibrary lib, String name, List<String> missing) {
        try {
            return lib.getFunction(name);
        } catch (UnsatisfiedLinkError e) {
            missing.add(name);
            return null;
        }
    }

    /**
     * Loads the library from an absolute path and looks up every function this binding calls.
     *
     * @param file the library file, e.g. {@code /opt/intel/openvino/runtime/lib/intel64/libopenvino_c.so}
     * @return the binding
     * @throws UnsatisfiedLinkError with the loader's text if the file cannot be loaded, or naming every function
     *                              it lacks
     */
    public static OpenVinoC load(Path file) {
        if (Native.POINTER_SIZE != 8) {
            throw new UnsatisfiedLinkError("the OpenVINO binding needs a 64-bit JVM; this one has "
                    + (Native.POINTER_SIZE * 8) + "-bit pointers");
        }
        String path = file.toAbsolutePath().toString();
        NativeLibrary lib = NativeLibrary.getInstance(path);
        Variadic variadic = Native.load(path, Variadic.class);
        return new OpenVinoC(file, lib, variadic);
    }

    /** {@return the library file this binding was loaded from} */
    public Path file() {
        return file;
    }

    /**
     * Throws if a call failed.
     *
     * @param status   the status the call returned
     * @param function the C function's name, for the message
     * @throws OvException with OpenVINO's error text if {@code status} is not {@code OK}
     */
    public void check(int status, String function) {
        if (status != OvStatus.OK) {
            throw new OvException(function, status, errorText(status));
        }
    }

    /**
     * Reads OpenVINO's text for the last failure ({@code ov_get_last_err_msg}, freed with {@code ov_free}), falling
     * back to the generic text of the status code ({@code ov_get_error_info}). OpenVINO keeps one last message for
     * the whole process, so under concurrent failures the text may describe another thread's failure.
     *
     * @param status the status of the failed call
     * @return the error text, never null
     */
    public String errorText(int status) {
        Pointer message = getLastErrMsg.invokePointer(new Object[0]);
        if (message != null) {
            try {
                String text = message.getString(0);
                if (!text.isBlank()) {
                    return text.strip();
                }
            } finally {
                free.invokeVoid(new Object[] {message});
            }
        }
        Pointer generic = getErrorInfo.invokePointer(new Object[] {status});
        return generic == null ? "no error text" : generic.getString(0);
    }

    /**
     * {@return the runtime's build number, e.g. {@code 2025.4.0-20398-8b9a7d1fb20-releases/2025/4}}
     *
     * @throws OvException if {@code ov_get_openvino_version} fails
     */
    public String version() {
        try (com.sun.jna.Memory v = new com.sun.jna.Memory(16)) {
            v.clear();
            check(getOpenvinoVersion.invokeInt(new Object[] {v}), "ov_get_openvino_version");
            try {
                Pointer build = v.getPointer(0);
                return build == null ? "unknown" : build.getString(0);
            } finally {
                versionFree.invokeVoid(new Object[] {v});
            }
        }
    }

    /**
     * Frees a string OpenVINO returned ({@code ov_free}).
     *
     * @param content the string; null is ignored
     */
    public void free(Pointer content) {
        if (content != null) {
            free.invokeVoid(new Object[] {content});
        }
    }

    /** {@code ov_core_create(ov_core_t** core)}. */
    public int coreCreate(Pointer core) {
        return coreCreate.invokeInt(new Object[] {core});
    }

    /** {@code ov_core_free(ov_core_t*)}; also clears OpenVINO's last error text. */
    public void coreFree(Pointer core) {
        coreFree.invokeVoid(new Object[] {core});
    }

    /**
     * {@code ov_core_read_model(core, model_path, bin_path, ov_model_t** model)}; a null {@code bin_path} lets OpenVINO
     * look for the IR weights beside the {@code .xml}.
     */
    public int coreReadModel(Pointer core, String modelPath, String binPath, Pointer model) {
        return coreReadModel.invokeInt(new Object[] {core, modelPath, binPath, model});
    }

    /**
     * {@code ov_core_compile_model(core, model, device_name, property_args_size, compiled_model, ...)}, with the
     * properties as alternating keys and values, passed as C variadic arguments.
     */
    public int coreCompileModel(Pointer core, Pointer model, String deviceName, List<String> keysAndValues,
                                Pointer compiledModel) {
        return variadic.ov_core_compile_model(core, model, deviceName, keysAndValues.size(), compiledModel,
                keysAndValues.toArray());
    }

    /** {@code ov_model_free(ov_model_t*)}. */
    public void modelFree(Pointer model) {
        modelFree.invokeVoid(new Object[] {model});
    }

    /**
     * {@code ov_compiled_model_inputs_size} or {@code ov_compiled_model_outputs_size}, into a 64-bit {@code size_t}.
     */
    public int compiledModelPortCount(Pointer compiledModel, boolean outputs, Pointer size) {
        return (outputs ? compiledModelOutputsSize : compiledModelInputsSize).invokeInt(new Object[] {compiledModel,
            size});
    }

    /**
     * {@code ov_compiled_model_input_by_index} or {@code ov_compiled_model_output_by_index}: the port received is
     * freed with {@link #outputConstPortFree}.
     */
    public int compiledModelPort(Pointer compiledModel, boolean outputs, long index, Pointer port) {
        return (outputs ? compiledModelOutputByIndex : compiledModelInputByIndex).invokeInt(new Object[] {
            compiledModel, index, port});
    }

    /** {@code ov_compiled_model_create_infer_request(compiled_model, ov_infer_request_t** infer_request)}. */
    public int compiledModelCreateInferRequest(Pointer compiledModel, Pointer request) {
        return compiledModelCreateInferRequest.invokeInt(new Object[] {compiledModel, request});
    }

    /** {@code ov_compiled_model_free(ov_compiled_model_t*)}. */
    public void compiledModelFree(Pointer compiledModel) {
        compiledModelFree.invokeVoid(new Object[] {compiledModel});
    }

    /** {@code ov_port_get_any_name(port, char** tensor_name)}; the name is freed with {@link #free(Pointer)}. */
    public int portGetAnyName(Pointer port, Pointer name) {
        return portGetAnyName.invokeInt(new Object[] {port, name});
    }

    /** {@code ov_port_get_element_type(port, ov_element_type_e* tensor_type)}. */
    public int portGetElementType(Pointer port, Pointer type) {
        return portGetElementType.invokeInt(new Object[] {port, type});
    }

    /**
     * {@code ov_port_get_partial_shape(port, ov_partial_shape_t* partial_shape)}: the 24-byte struct receives
     * {@code rank.min}, {@code rank.max} and a {@code dims} array of {min, max} pairs, freed with
     * {@link #partialShapeFree}.
     */
    public int portGetPartialShape(Pointer port, Pointer partialShape) {
        return portGetPartialShape.invokeInt(new Object[] {port, partialShape});
    }

    /** {@code ov_partial_shape_free(ov_partial_shape_t*)}: frees the dimensions array, not the struct. */
    public void partialShapeFree(Pointer partialShape) {
        partialShapeFree.invokeVoid(new Object[] {partialShape});
    }

    /** {@code ov_output_const_port_free(ov_output_const_port_t*)}. */
    public void outputConstPortFree(Pointer port) {
        outputConstPortFree.invokeVoid(new Object[] {port});
    }

    /**
     * {@code ov_tensor_create_from_host_ptr(type, shape, host_ptr, ov_tensor_t** tensor)}: a tensor over memory the
     * caller owns, without a copy; the memory must outlive every use of the tensor.
     */
    public int tensorCreateFromHostPtr(int type, OvShape shape, Pointer hostPtr, Pointer tensor) {
        return tensorCreateFromHostPtr.invokeInt(new Object[] {type, shape, hostPtr, tensor});
    }

    /** {@code ov_tensor_get_shape(tensor, ov_shape_t* shape)}; the dimensions are freed with {@link #shapeFree}. */
    public int tensorGetShape(Pointer tensor, Pointer shape) {
        return tensorGetShape.invokeInt(new Object[] {tensor, shape});
    }

    /** {@code ov_tensor_data(tensor, void** data)}. */
    public int tensorData(Pointer tensor, Pointer data) {
        return tensorData.invokeInt(new Object[] {tensor, data});
    }

    /** {@code ov_tensor_free(ov_tensor_t*)}: frees the handle; memory from a host pointer stays the caller's. */
    public void tensorFree(Pointer tensor) {
        tensorFree.invokeVoid(new Object[] {tensor});
    }

    /** {@code ov_shape_free(ov_shape_t*)}: frees the dimensions array, not the struct. */
    public int shapeFree(Pointer shape) {
        return shapeFree.invokeInt(new Object[] {shape});
    }

    /** {@code ov_infer_request_set_input_tensor_by_index} or {@code ov_infer_request_set_output_tensor_by_index}. */
    public int inferRequestSetTensor(Pointer request, boolean output, long index, Pointer tensor) {
        return (output ? setOutputTensorByIndex : setInputTensorByIndex).invokeInt(new Object[] {request, index,
            tensor});
    }

    /** {@code ov_infer_request_get_output_tensor_by_index(request, idx, ov_tensor_t** tensor)}. */
    public int inferRequestGetOutputTensor(Pointer request, long index, Pointer tensor) {
        return getOutputTensorByIndex.invokeInt(new Object[] {request, index, tensor});
    }

    /** {@code ov_infer_request_infer(ov_infer_request_t*)}: runs synchronously. */
    public int inferRequestInfer(Pointer request) {
        return infer.invokeInt(new Object[] {request});
    }

    /** {@code ov_infer_request_free(ov_infer_request_t*)}. */
    public void inferRequestFree(Pointer request) {
        inferRequestFree.invokeVoid(new Object[] {request});
    }

    @Override
    public String toString() {
        return "OpenVinoC[" + file + "]";
    }
}
