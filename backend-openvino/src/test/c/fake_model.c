/* The stand-in's core, models, compiled models and ports. */
#include "fake_openvino.h"

/* ---- core and model ---- */
EXPORT int ov_core_create(ov_core_t** core) {
    if (!core) return INVALID_C_PARAM;
    INJECT("ov_core_create");
    *core = track(calloc(1, sizeof(ov_core_t)), "core");
    return OK;
}

EXPORT void ov_core_free(ov_core_t* core) {
    if (core && untrack(core, "core")) free(core);
}

static int parse_type(const char* s) {
    static const char* names[] = {"boolean", "bf16", "f16", "f32", "f64", "i32", "i64", "u8"};
    static const int codes[] = {ET_BOOLEAN, ET_BF16, ET_F16, ET_F32, ET_F64, ET_I32, ET_I64, ET_U8};
    for (int i = 0; i < 8; i++) {
        if (strcmp(names[i], s) == 0) return codes[i];
    }
    return -1;
}

static int ends_with(const char* s, const char* suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int parse_model(const char* path, model_spec* spec) {
    FILE* f = fopen(path, "r");
    if (!f) return fail(GENERAL_ERROR, "Model file %s cannot be opened!", path);
    char line[512];
    memset(spec, 0, sizeof *spec);
    if (!fgets(line, sizeof line, f) || strncmp(line, "fake-openvino-model", 19) != 0) {
        fclose(f);
        return fail(GENERAL_ERROR, "Unable to read the model: %s Please check that model format is supported and "
                    "the model is correct.", path);
    }
    while (fgets(line, sizeof line, f)) {
        char kind[16], name[64], type[16];
        int used = 0;
        if (sscanf(line, "%15s %63s %15s%n", kind, name, type, &used) != 3) continue;
        int is_input = strcmp(kind, "input") == 0;
        int* count = is_input ? &spec->inputs : &spec->outputs;
        if (*count == MAX_PORTS) continue;
        port_spec* p = is_input ? &spec->in[*count] : &spec->out[*count];
        snprintf(p->name, sizeof p->name, "%s", name);
        p->type = parse_type(type);
        if (p->type < 0) {
            fclose(f);
            return fail(GENERAL_ERROR, "Unable to read the model: %s: unknown element type %s", path, type);
        }
        char* rest = line + used;
        long long d;
        int n;
        while (p->rank < MAX_RANK && sscanf(rest, "%lld%n", &d, &n) == 1) {
            p->dims[p->rank++] = d;
            rest += n;
        }
        (*count)++;
    }
    fclose(f);
    return OK;
}

EXPORT int ov_core_read_model(const ov_core_t* core, const char* model_path, const char* bin_path,
                              ov_model_t** model) {
    if (!core || !model_path || !model) return INVALID_C_PARAM;
    INJECT("ov_core_read_model");
    pthread_mutex_lock(&fake_mutex);
    snprintf(last_model_path, sizeof last_model_path, "%s", model_path);
    snprintf(last_bin_path, sizeof last_bin_path, "%s", bin_path ? bin_path : "(null)");
    pthread_mutex_unlock(&fake_mutex);
    if (ends_with(model_path, ".xml") && bin_path && bin_path[0]) {
        FILE* weights = fopen(bin_path, "rb");
        if (!weights) return fail(GENERAL_ERROR, "Weights file %s cannot be opened!", bin_path);
        fclose(weights);
    }
    model_spec spec;
    int status = parse_model(model_path, &spec);
    if (status != OK) return status;
    ov_model_t* m = calloc(1, sizeof(ov_model_t));
    m->spec = spec;
    *model = track(m, "model");
    return OK;
}

EXPORT void ov_model_free(ov_model_t* model) {
    if (model && untrack(model, "model")) free(model);
}

static const char* check_property(const char* key, const char* value) {
    if (strcmp(key, "PERFORMANCE_HINT") == 0) {
        return strcmp(value, "LATENCY") && strcmp(value, "THROUGHPUT") && strcmp(value, "CUMULATIVE_THROUGHPUT")
               ? "Wrong value for property key PERFORMANCE_HINT" : NULL;
    }
    if (strcmp(key, "INFERENCE_PRECISION_HINT") == 0) {
        return strcmp(value, "f32") && strcmp(value, "f16") && strcmp(value, "bf16")
               ? "Wrong value for property key INFERENCE_PRECISION_HINT" : NULL;
    }
    if (strcmp(key, "NUM_STREAMS") == 0 || strcmp(key, "INFERENCE_NUM_THREADS") == 0
        || strcmp(key, "CACHE_DIR") == 0 || strcmp(key, "ENABLE_CPU_PINNING") == 0) {
        return NULL;
    }
    return "Unsupported property";
}

EXPORT int ov_core_compile_model(const ov_core_t* core, const ov_model_t* model, const char* device_name,
                                 const size_t property_args_size, ov_compiled_model_t** compiled_model, ...) {
    if (!core || !model || !compiled_model || property_args_size % 2 != 0) return INVALID_C_PARAM;
    INJECT("ov_core_compile_model");
    char props[1024] = "";
    const char* bad = NULL;
    char bad_key[128] = "";
    va_list ap;
    va_start(ap, compiled_model);
    for (size_t i = 0; i < property_args_size / 2; i++) {
        const char* key = va_arg(ap, const char*);
        const char* value = va_arg(ap, const char*);
        size_t used = strlen(props);
        snprintf(props + used, sizeof props - used, "%s%s=%s", used ? ";" : "", key, value);
        if (!bad && (bad = check_property(key, value)) != NULL) snprintf(bad_key, sizeof bad_key, "%s", key);
    }
    va_end(ap);
    pthread_mutex_lock(&fake_mutex);
    snprintf(last_device, sizeof last_device, "%s", device_name ? device_name : "(null)");
    snprintf(last_properties, sizeof last_properties, "%s", props);
    pthread_mutex_unlock(&fake_mutex);
    const char* dev = device_name ? device_name : "AUTO";
    if (strcmp(dev, "CPU") != 0 && strncmp(dev, "AUTO", 4) != 0) {
        return fail(GENERAL_ERROR, "Device with \"%s\" name is not registered in the OpenVINO Runtime", dev);
    }
    if (bad) return fail(GENERAL_ERROR, "%s %s by CPU plugin", bad, bad_key);
    ov_compiled_model_t* c = calloc(1, sizeof(ov_compiled_model_t));
    c->spec = model->spec;
    *compiled_model = track(c, "compiled_model");
    return OK;
}

EXPORT void ov_compiled_model_free(ov_compiled_model_t* compiled_model) {
    if (compiled_model && untrack(compiled_model, "compiled_model")) free(compiled_model);
}

EXPORT int ov_compiled_model_inputs_size(const ov_compiled_model_t* compiled_model, size_t* size) {
    if (!compiled_model || !size) return INVALID_C_PARAM;
    *size = (size_t)compiled_model->spec.inputs;
    return OK;
}

EXPORT int ov_compiled_model_outputs_size(const ov_compiled_model_t* compiled_model, size_t* size) {
    if (!compiled_model || !size) return INVALID_C_PARAM;
    *size = (size_t)compiled_model->spec.outputs;
    return OK;
}

static int new_port(const port_spec* spec, ov_output_const_port_t** port) {
    ov_output_const_port_t* p = calloc(1, sizeof(ov_output_const_port_t));
    p->spec = *spec;
    *port = track(p, "port");
    return OK;
}

EXPORT int ov_compiled_model_input_by_index(const ov_compiled_model_t* compiled_model, const size_t index,
                                            ov_output_const_port_t** input_port) {
    if (!compiled_model || !input_port) return INVALID_C_PARAM;
    if (index >= (size_t)compiled_model->spec.inputs) return fail(OUT_OF_BOUNDS, "input index %zu", index);
    return new_port(&compiled_model->spec.in[index], input_port);
}

EXPORT int ov_compiled_model_output_by_index(const ov_compiled_model_t* compiled_model, const size_t index,
                                             ov_output_const_port_t** output_port) {
    if (!compiled_model || !output_port) return INVALID_C_PARAM;
    if (index >= (size_t)compiled_model->spec.outputs) return fail(OUT_OF_BOUNDS, "output index %zu", index);
    return new_port(&compiled_model->spec.out[index], output_port);
}

EXPORT void ov_output_const_port_free(ov_output_const_port_t* port) {
    if (port && untrack(port, "port")) free(port);
}

EXPORT int ov_port_get_any_name(const ov_output_const_port_t* port, char** tensor_name) {
    if (!port || !tensor_name) return INVALID_C_PARAM;
    INJECT("ov_port_get_any_name");
    *tensor_name = new_string(port->spec.name);
    return OK;
}

EXPORT int ov_port_get_element_type(const ov_output_const_port_t* port, int* tensor_type) {
    if (!port) return INVALID_C_PARAM;
    *tensor_type = port->spec.type;
    return OK;
}

EXPORT int ov_port_get_partial_shape(const ov_output_const_port_t* port, ov_partial_shape_t* partial_shape) {
    if (!port || !partial_shape) return INVALID_C_PARAM;
    int rank = port->spec.rank;
    partial_shape->rank.min = rank;
    partial_shape->rank.max = rank;
    partial_shape->dims = track(calloc((size_t)rank + 1, sizeof(ov_dimension_t)), "partial_shape_dims");
    for (int i = 0; i < rank; i++) {
        int64_t d = port->spec.dims[i];
        partial_shape->dims[i].min = d < 0 ? 0 : d;
        partial_shape->dims[i].max = d;
    }
    return OK;
}

EXPORT void ov_partial_shape_free(ov_partial_shape_t* partial_shape) {
    if (partial_shape && partial_shape->dims && untrack(partial_shape->dims, "partial_shape_dims")) {
        free(partial_shape->dims);
    }
}
