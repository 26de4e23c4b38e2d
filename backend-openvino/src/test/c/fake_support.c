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
#include "fake_openvino.h"

/* ---- registry of live allocations ---- */
pthread_mutex_t fake_mutex = PTHREAD_MUTEX_INITIALIZER;
static void** live_ptr;
static const char** live_kind;
static size_t live_count, live_cap;
long bad_frees, infer_count;
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

void* track(void* p, const char* kind) {
    pthread_mutex_lock(&fake_mutex);
    if (live_count == live_cap) {
        live_cap = live_cap ? live_cap * 2 : 64;
        live_ptr = realloc(live_ptr, live_cap * sizeof(void*));
        live_kind = realloc(live_kind, live_cap * sizeof(char*));
    }
    live_ptr[live_count] = p;
    live_kind[live_count] = kind;
    live_count++;
    allocated[kind_index(kind)]++;
    pthread_mutex_unlock(&fake_mutex);
    return p;
}

/* Returns 1 if p was live with this kind (and is now released), 0 (and counts a bad free) otherwise. */
int untrack(const void* p, const char* kind) {
    int found = 0;
    pthread_mutex_lock(&fake_mutex);
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
    pthread_mutex_unlock(&fake_mutex);
    return found;
}

/* ---- recorded arguments, error injection, last error text ---- */
static char last_err[1024];
char last_device[256], last_properties[1024], last_model_path[1024], last_bin_path[1024];
static char fail_function[128], fail_message[512];
static int fail_status;
void* last_in_ptr[MAX_PORTS];
void* last_out_ptr[MAX_PORTS];

int fail(int status, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&fake_mutex);
    vsnprintf(last_err, sizeof last_err, fmt, ap);
    pthread_mutex_unlock(&fake_mutex);
    va_end(ap);
    return status;
}

/* A failure injected with fake_fail for this function, or OK. */
int injected(const char* function) {
    int status = OK;
    char message[512];
    pthread_mutex_lock(&fake_mutex);
    if (fail_function[0] && strcmp(fail_function, function) == 0) {
        status = fail_status;
        snprintf(message, sizeof message, "%s", fail_message);
        fail_function[0] = 0;
    }
    pthread_mutex_unlock(&fake_mutex);
    return status == OK ? OK : fail(status, "%s", message);
}

char* new_string(const char* s) {
    char* copy = malloc(strlen(s) + 1);
    strcpy(copy, s);
    return track(copy, "string");
}

/* ---- test-only functions ---- */
EXPORT void fake_reset(void) {
    pthread_mutex_lock(&fake_mutex);
    live_count = 0;
    bad_frees = 0;
    infer_count = 0;
    memset(allocated, 0, sizeof allocated);
    last_err[0] = last_device[0] = last_properties[0] = last_model_path[0] = last_bin_path[0] = 0;
    fail_function[0] = 0;
    memset(last_in_ptr, 0, sizeof last_in_ptr);
    memset(last_out_ptr, 0, sizeof last_out_ptr);
    pthread_mutex_unlock(&fake_mutex);
}

EXPORT long fake_live(const char* kind) {
    long n = 0;
    pthread_mutex_lock(&fake_mutex);
    for (size_t i = 0; i < live_count; i++) {
        if (strcmp(live_kind[i], kind) == 0) n++;
    }
    pthread_mutex_unlock(&fake_mutex);
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
    pthread_mutex_lock(&fake_mutex);
    snprintf(fail_function, sizeof fail_function, "%s", function);
    snprintf(fail_message, sizeof fail_message, "%s", message);
    fail_status = status;
    pthread_mutex_unlock(&fake_mutex);
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
    pthread_mutex_lock(&fake_mutex);
    snprintf(copy, sizeof copy, "%s", last_err);
    pthread_mutex_unlock(&fake_mutex);
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
