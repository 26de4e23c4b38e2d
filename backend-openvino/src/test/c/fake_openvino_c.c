/*
 * A stand-in for OpenVINO's libopenvino_c (C API 2.0), for StreamInfer's binding tests on machines without OpenVINO.
 *
 * It exports, with OpenVINO's published signatures, struct layouts and enum values, every function the Java binding
 * calls, and a few test-only functions (prefix fake_) that expose what it was called with:
 *  - every object and string it hands out is registered; each *_free / ov_free unregisters it, so the tests can
 *    assert that nothing leaks and that nothing is freed twice or freed with the wrong function (bad frees are
 *    counted, never executed, so a wrong free cannot crash the JVM);
 *  - the arguments of ov_core_read_model and ov_core_compile_model (device, property pairs) are recorded;
 *  - the data pointers the last inference read and wrote are recorded, to prove zero-copy input and output;
 *  - any function can be made to fail once with a chosen status and error text (fake_fail).
 *
 * Models are text files: a first line "fake-openvino-model", then "input NAME TYPE DIMS..." and
 * "output NAME TYPE DIMS..." lines, -1 for a dynamic dimension. The computation is fixed: one f32 input x;
 * output 0 (f32, same shape) is 2 * x + 1; an optional output 1 (i64, shape without the last dimension) is the
 * index of the largest element along x's last dimension.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* ov_status_e */
enum { OK = 0, GENERAL_ERROR = -1, NOT_FOUND = -5, OUT_OF_BOUNDS = -6, INVALID_C_PARAM = -14 };

/* ov_element_type_e, numbering of OpenVINO 2024.2 and later */
enum { ET_UNDEFINED = 0, ET_BOOLEAN = 2, ET_BF16 = 3, ET_F16 = 4, ET_F32 = 5, ET_F64 = 6, ET_I32 = 10, ET_I64 = 11,
       ET_U8 = 17 };

typedef struct { int64_t rank; int64_t* dims; } ov_shape_t;
typedef struct { int64_t min; int64_t max; } ov_dimension_t;
typedef struct { ov_dimension_t rank; ov_dimension_t* dims; } ov_partial_shape_t;
typedef struct { const char* buildNumber; const char* description; } ov_version_t;

#define MAX_PORTS 4
#define MAX_RANK 8

typedef struct { char name[64]; int type; int rank; int64_t dims[MAX_RANK]; } port_spec;
typedef struct { int inputs; int outputs; port_spec in[MAX_PORTS]; port_spec out[MAX_PORTS]; } model_spec;

typedef struct { int magic; } ov_core_t;
typedef struct { model_spec spec; } ov_model_t;
typedef struct { model_spec spec; } ov_compiled_model_t;
typedef struct { port_spec spec; } ov_output_const_port_t;
typedef struct { int type; int64_t rank; int64_t dims[MAX_RANK]; void* data; } tensor_view;
typedef struct { tensor_view view; } ov_tensor_t;
typedef struct {
    model_spec spec;
    int in_set[MAX_PORTS];
    tensor_view in[MAX_PORTS];
    int out_set[MAX_PORTS];
    tensor_view out[MAX_PORTS];
    void* own[MAX_PORTS];
    size_t own_bytes[MAX_PORTS];
} ov_infer_request_t;

/* ---- registry of live allocations ---- */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void** live_ptr;
static const char** live_kind;
static size_t live_count, live_cap;
static long bad_frees, infer_count;
#define KINDS 9
static const char* kind_names[KINDS] = {"core", "model", "compiled_model", "port", "infer_request", "tensor", "string",
                                        "shape_dims", "partial_shape_dims"};
static long allocated[KINDS];

static int kind_index(const char* kind) {
    for (int i = 0; i < KINDS; i++) {
        if (strcmp(kind_names[i], kind) == 0) return i;
    }
    return -1;
}

static void* track(void* p, const char* kind) {
    pthread_mutex_lock(&lock);
    if (live_count == live_cap) {
        live_cap = live_cap ? live_cap * 2 : 64;
        live_ptr = realloc(live_ptr, live_cap * sizeof(void*));
        live_kind = realloc(live_kind, live_cap * sizeof(char*));
    }
    live_ptr[live_count] = p;
    live_kind[live_count] = kind;
    live_count++;
    allocated[kind_index(kind)]++;
    pthread_mutex_unlock(&lock);
    return p;
}

/* Returns 1 if p was live with this kind (and is now released), 0 (and counts a bad free) otherwise. */
static int untrack(const void* p, const char* kind) {
    int found = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < live_count; i++) {
        if (live_ptr[i] == p && strcmp(live_kind[i], kind) == 0) {
            live_ptr[i] = live_ptr[live_count - 1];
            live_kind[i] = live_kind[live_count - 1];
            live_count--;
            found = 1;
            break;
        }
    }
    if (!found) bad_frees++;
    pthread_mutex_unlock(&lock);
    return found;
}

/* ---- recorded arguments, error injection, last error text ---- */
static char last_err[1024];
static char last_device[256], last_properties[1024], last_model_path[1024], last_bin_path[1024];
static char fail_function[128], fail_message[512];
static int fail_status;
static void* last_in_ptr[MAX_PORTS];
static void* last_out_ptr[MAX_PORTS];

static int fail(int status, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&lock);
    vsnprintf(last_err, sizeof last_err, fmt, ap);
    pthread_mutex_unlock(&lock);
    va_end(ap);
    return status;
}

/* A failure injected with fake_fail for this function, or OK. */
static int injected(const char* function) {
    int status = OK;
    char message[512];
    pthread_mutex_lock(&lock);
    if (fail_function[0] && strcmp(fail_function, function) == 0) {
        status = fail_status;
        snprintf(message, sizeof message, "%s", fail_message);
        fail_function[0] = 0;
    }
    pthread_mutex_unlock(&lock);
    return status == OK ? OK : fail(status, "%s", message);
}

#define INJECT(name)                       \
    do {                                   \
        int injected_status = injected(name); \
        if (injected_status != OK) return injected_status; \
    } while (0)

static char* new_string(const char* s) {
    char* copy = malloc(strlen(s) + 1);
    strcpy(copy, s);
    return track(copy, "string");
}

/* ---- test-only functions ---- */
EXPORT void fake_reset(void) {
    pthread_mutex_lock(&lock);
    live_count = 0;
    bad_frees = 0;
    infer_count = 0;
    memset(allocated, 0, sizeof allocated);
    last_err[0] = last_device[0] = last_properties[0] = last_model_path[0] = last_bin_path[0] = 0;
    fail_function[0] = 0;
    memset(last_in_ptr, 0, sizeof last_in_ptr);
    memset(last_out_ptr, 0, sizeof last_out_ptr);
    pthread_mutex_unlock(&lock);
}

EXPORT long fake_live(const char* kind) {
    long n = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < live_count; i++) {
        if (strcmp(live_kind[i], kind) == 0) n++;
    }
    pthread_mutex_unlock(&lock);
    return n;
}

EXPORT long fake_live_total(void) { return (long)live_count; }
EXPORT long fake_allocated(const char* kind) { return allocated[kind_index(kind)]; }
EXPORT long fake_bad_frees(void) { return bad_frees; }
EXPORT long fake_infer_count(void) { return infer_count; }
EXPORT const char* fake_last_device(void) { return last_device; }
EXPORT const char* fake_last_properties(void) { return last_properties; }
EXPORT const char* fake_last_model_path(void) { return last_model_path; }
EXPORT const char* fake_last_bin_path(void) { return last_bin_path; }
EXPORT intptr_t fake_last_input_data(int i) { return (intptr_t)last_in_ptr[i]; }
EXPORT intptr_t fake_last_output_data(int i) { return (intptr_t)last_out_ptr[i]; }

EXPORT void fake_fail(const char* function, int status, const char* message) {
    pthread_mutex_lock(&lock);
    snprintf(fail_function, sizeof fail_function, "%s", function);
    snprintf(fail_message, sizeof fail_message, "%s", message);
    fail_status = status;
    pthread_mutex_unlock(&lock);
}

/* ---- common ---- */
EXPORT const char* ov_get_error_info(int status) {
    switch (status) {
    case OK: return "success";
    case GENERAL_ERROR: return "general error";
    case NOT_FOUND: return "cannot find the value";
    case OUT_OF_BOUNDS: return "out of bounds";
    case INVALID_C_PARAM: return "invalid c input parameters";
    default: return "unknown exception";
    }
}

EXPORT void ov_free(const char* content) {
    if (content && untrack(content, "string")) free((void*)content);
}

EXPORT const char* ov_get_last_err_msg(void) {
    char copy[sizeof last_err];
    pthread_mutex_lock(&lock);
    snprintf(copy, sizeof copy, "%s", last_err);
    pthread_mutex_unlock(&lock);
    return copy[0] ? new_string(copy) : NULL;
}

EXPORT int ov_get_openvino_version(ov_version_t* version) {
    if (!version) return INVALID_C_PARAM;
    INJECT("ov_get_openvino_version");
    version->buildNumber = new_string("2025.4.0-fake-stand-in");
    version->description = new_string("StreamInfer test stand-in for libopenvino_c");
    return OK;
}

EXPORT void ov_version_free(ov_version_t* version) {
    if (!version) return;
    ov_free(version->buildNumber);
    ov_free(version->description);
    version->buildNumber = NULL;
    version->description = NULL;
}

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
    pthread_mutex_lock(&lock);
    snprintf(last_model_path, sizeof last_model_path, "%s", model_path);
    snprintf(last_bin_path, sizeof last_bin_path, "%s", bin_path ? bin_path : "(null)");
    pthread_mutex_unlock(&lock);
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
    pthread_mutex_lock(&lock);
    snprintf(last_device, sizeof last_device, "%s", device_name ? device_name : "(null)");
    snprintf(last_properties, sizeof last_properties, "%s", props);
    pthread_mutex_unlock(&lock);
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

/* ---- tensors ---- */
static size_t type_size(int type) {
    switch (type) {
    case ET_F64: case ET_I64: return 8;
    case ET_F32: case ET_I32: return 4;
    case ET_F16: case ET_BF16: return 2;
    default: return 1;
    }
}

static size_t element_count(const tensor_view* v) {
    size_t n = 1;
    for (int64_t i = 0; i < v->rank; i++) n *= (size_t)v->dims[i];
    return n;
}

EXPORT int ov_tensor_create_from_host_ptr(const int type, const ov_shape_t shape, void* host_ptr,
                                          ov_tensor_t** tensor) {
    if (!tensor || !host_ptr || shape.rank < 0 || shape.rank > MAX_RANK || (shape.rank > 0 && !shape.dims)) {
        return INVALID_C_PARAM;
    }
    INJECT("ov_tensor_create_from_host_ptr");
    ov_tensor_t* t = calloc(1, sizeof(ov_tensor_t));
    t->view.type = type;
    t->view.rank = shape.rank;
    memcpy(t->view.dims, shape.dims, (size_t)shape.rank * sizeof(int64_t));
    t->view.data = host_ptr;
    *tensor = track(t, "tensor");
    return OK;
}

EXPORT int ov_tensor_get_shape(const ov_tensor_t* tensor, ov_shape_t* shape) {
    if (!tensor) return INVALID_C_PARAM;
    shape->rank = tensor->view.rank;
    shape->dims = track(malloc(((size_t)tensor->view.rank + 1) * sizeof(int64_t)), "shape_dims");
    memcpy(shape->dims, tensor->view.dims, (size_t)tensor->view.rank * sizeof(int64_t));
    return OK;
}

EXPORT int ov_shape_free(ov_shape_t* shape) {
    if (!shape) return INVALID_C_PARAM;
    if (shape->dims && untrack(shape->dims, "shape_dims")) free(shape->dims);
    shape->rank = 0;
    shape->dims = NULL;
    return OK;
}

EXPORT int ov_tensor_data(const ov_tensor_t* tensor, void** data) {
    if (!tensor || !data) return INVALID_C_PARAM;
    *data = tensor->view.data;
    return OK;
}

EXPORT void ov_tensor_free(ov_tensor_t* tensor) {
    if (tensor && untrack(tensor, "tensor")) free(tensor);
}

/* ---- infer requests ---- */
EXPORT int ov_compiled_model_create_infer_request(const ov_compiled_model_t* compiled_model,
                                                  ov_infer_request_t** infer_request) {
    if (!compiled_model || !infer_request) return INVALID_C_PARAM;
    INJECT("ov_compiled_model_create_infer_request");
    ov_infer_request_t* r = calloc(1, sizeof(ov_infer_request_t));
    r->spec = compiled_model->spec;
    *infer_request = track(r, "infer_request");
    return OK;
}

EXPORT void ov_infer_request_free(ov_infer_request_t* infer_request) {
    if (infer_request && untrack(infer_request, "infer_request")) {
        for (int i = 0; i < MAX_PORTS; i++) free(infer_request->own[i]);
        free(infer_request);
    }
}

static int check_view(const char* what, size_t idx, const port_spec* spec, const tensor_view* v) {
    if (v->type != spec->type) {
        return fail(GENERAL_ERROR, "The tensor element type %d of %s %zu '%s' does not match the port's type %d",
                    v->type, what, idx, spec->name, spec->type);
    }
    if (v->rank != spec->rank) {
        return fail(GENERAL_ERROR, "The tensor rank %lld of %s %zu '%s' does not match the port's rank %d",
                    (long long)v->rank, what, idx, spec->name, spec->rank);
    }
    for (int i = 0; i < spec->rank; i++) {
        if (spec->dims[i] >= 0 && v->dims[i] != spec->dims[i]) {
            return fail(GENERAL_ERROR, "The tensor shape of %s %zu '%s' does not match the port's shape at dim %d",
                        what, idx, spec->name, i);
        }
    }
    return OK;
}

EXPORT int ov_infer_request_set_input_tensor_by_index(ov_infer_request_t* infer_request, const size_t idx,
                                                      const ov_tensor_t* tensor) {
    if (!infer_request || !tensor) return INVALID_C_PARAM;
    INJECT("ov_infer_request_set_input_tensor_by_index");
    if (idx >= (size_t)infer_request->spec.inputs) return fail(OUT_OF_BOUNDS, "input index %zu", idx);
    int status = check_view("input", idx, &infer_request->spec.in[idx], &tensor->view);
    if (status != OK) return status;
    infer_request->in[idx] = tensor->view; /* the request keeps its own reference, as OpenVINO does */
    infer_request->in_set[idx] = 1;
    return OK;
}

EXPORT int ov_infer_request_set_output_tensor_by_index(ov_infer_request_t* infer_request, const size_t idx,
                                                       const ov_tensor_t* tensor) {
    if (!infer_request || !tensor) return INVALID_C_PARAM;
    INJECT("ov_infer_request_set_output_tensor_by_index");
    if (idx >= (size_t)infer_request->spec.outputs) return fail(OUT_OF_BOUNDS, "output index %zu", idx);
    int status = check_view("output", idx, &infer_request->spec.out[idx], &tensor->view);
    if (status != OK) return status;
    infer_request->out[idx] = tensor->view;
    infer_request->out_set[idx] = 1;
    return OK;
}

EXPORT int ov_infer_request_get_output_tensor_by_index(const ov_infer_request_t* infer_request, const size_t idx,
                                                       ov_tensor_t** tensor) {
    if (!infer_request || !tensor) return INVALID_C_PARAM;
    INJECT("ov_infer_request_get_output_tensor_by_index");
    if (idx >= (size_t)infer_request->spec.outputs) return fail(OUT_OF_BOUNDS, "output index %zu", idx);
    ov_tensor_t* t = calloc(1, sizeof(ov_tensor_t));
    t->view = infer_request->out[idx];
    *tensor = track(t, "tensor");
    return OK;
}

/* Output idx of this request: the tensor the caller set, or the request's own buffer sized for `shape`. */
static void* output_buffer(ov_infer_request_t* r, int idx, int type, int64_t rank, const int64_t* dims) {
    tensor_view* v = &r->out[idx];
    if (r->out_set[idx]) return v->data;
    v->type = type;
    v->rank = rank;
    memcpy(v->dims, dims, (size_t)rank * sizeof(int64_t));
    size_t bytes = element_count(v) * type_size(type) + 1;
    if (r->own_bytes[idx] < bytes) {
        free(r->own[idx]);
        r->own[idx] = malloc(bytes);
        r->own_bytes[idx] = bytes;
    }
    v->data = r->own[idx];
    return v->data;
}

#ifndef FAKE_OMIT_INFER /* defined only for the build that tests a library missing a symbol the binding needs */
EXPORT
#else
static __attribute__((unused))
#endif
int ov_infer_request_infer(ov_infer_request_t* infer_request) {
    if (!infer_request) return INVALID_C_PARAM;
    INJECT("ov_infer_request_infer");
    ov_infer_request_t* r = infer_request;
    if (r->spec.inputs != 1 || r->spec.in[0].type != ET_F32 || r->spec.outputs < 1) {
        return fail(GENERAL_ERROR, "the stand-in computes only models with one f32 input");
    }
    if (!r->in_set[0]) return fail(GENERAL_ERROR, "Input tensor 0 '%s' was not set", r->spec.in[0].name);
    const tensor_view* x = &r->in[0];
    size_t n = element_count(x);
    size_t last = x->rank > 0 ? (size_t)x->dims[x->rank - 1] : 1;
    const float* in = x->data;
    float* y = output_buffer(r, 0, ET_F32, x->rank, x->dims);
    for (size_t i = 0; i < n; i++) y[i] = 2.0f * in[i] + 1.0f;
    pthread_mutex_lock(&lock);
    last_in_ptr[0] = x->data;
    last_out_ptr[0] = y;
    pthread_mutex_unlock(&lock);
    if (r->spec.outputs > 1) {
        int64_t rows_rank = x->rank > 0 ? x->rank - 1 : 0;
        int64_t* cls = output_buffer(r, 1, ET_I64, rows_rank, x->dims);
        for (size_t row = 0; last > 0 && row < n / last; row++) {
            size_t best = 0;
            for (size_t k = 1; k < last; k++) {
                if (in[row * last + k] > in[row * last + best]) best = k;
            }
            cls[row] = (int64_t)best;
        }
        pthread_mutex_lock(&lock);
        last_out_ptr[1] = cls;
        pthread_mutex_unlock(&lock);
    }
    __atomic_add_fetch(&infer_count, 1, __ATOMIC_SEQ_CST);
    return OK;
}
