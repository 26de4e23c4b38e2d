/*
 * Shared definitions of the stand-in libopenvino_c (fake_support.c, fake_model.c, fake_infer.c): OpenVINO's C API
 * types with their published layouts and enum values, and the stand-in's registry, records and error helpers.
 */
#ifndef FAKE_OPENVINO_H
#define FAKE_OPENVINO_H
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

/* registry, records and errors (fake_support.c) */
extern pthread_mutex_t fake_mutex;
extern long bad_frees, infer_count;
extern char last_device[256], last_properties[1024], last_model_path[1024], last_bin_path[1024];
extern void* last_in_ptr[MAX_PORTS];
extern void* last_out_ptr[MAX_PORTS];
void* track(void* p, const char* kind);
int untrack(const void* p, const char* kind);
int fail(int status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
int injected(const char* function);
char* new_string(const char* s);

#define INJECT(name)                       \
    do {                                   \
        int injected_status = injected(name); \
        if (injected_status != OK) return injected_status; \
    } while (0)

#endif
