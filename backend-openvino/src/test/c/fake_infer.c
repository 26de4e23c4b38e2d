/* The stand-in's tensors and infer requests, and its fixed computation. */
#include "fake_openvino.h"

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
    pthread_mutex_lock(&fake_mutex);
    last_in_ptr[0] = x->data;
    last_out_ptr[0] = y;
    pthread_mutex_unlock(&fake_mutex);
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
        pthread_mutex_lock(&fake_mutex);
        last_out_ptr[1] = cls;
        pthread_mutex_unlock(&fake_mutex);
    }
    __atomic_add_fetch(&infer_count, 1, __ATOMIC_SEQ_CST);
    return OK;
}
