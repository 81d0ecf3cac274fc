/*===- gaon/runtime.h - the Gaon runtime C API ----------------------------===*
 *
 * Load a .gnb model, create sessions on a device, run them.
 *
 * Thread contract: a loaded model is immutable and may be shared by any
 * number of threads; a session is used by one thread at a time; many
 * sessions on one model may run concurrently. A session owns its state
 * (a decoder's KV cache): its entry points run one at a time, each seeing
 * what the previous run left; sessions never share state.
 *
 * Entry points: a model holds one or more programs ("decode", "prefill",
 * ...) that share its weights and the session's state. gaon_session_run
 * runs entry 0; gaon_session_run_entry runs any.
 *
 * Errors: every call that can fail returns a gaon_status, NULL on success.
 * A non-NULL status carries a code and a message and must be freed with
 * gaon_status_free.
 *
 *===----------------------------------------------------------------------===*/

#ifndef GAON_RUNTIME_H
#define GAON_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status --------------------------------------------------------------- */

typedef enum gaon_status_code {
  GAON_OK = 0,
  GAON_INVALID_ARGUMENT = 1, /* a bad argument: wrong input name, shape... */
  GAON_INVALID_MODEL = 2,    /* the file is not a valid .gnb */
  GAON_UNSUPPORTED = 3,      /* valid, but this runtime cannot run it */
  GAON_NOT_FOUND = 4,        /* a file or device that does not exist */
  GAON_RESOURCE_EXHAUSTED = 5,
  GAON_INTERNAL = 6,
} gaon_status_code;

typedef struct gaon_status_s *gaon_status;

gaon_status_code gaon_status_get_code(gaon_status status);
const char *gaon_status_message(gaon_status status);
void gaon_status_free(gaon_status status);

/* Allocator: every runtime allocation goes through one. NULL means malloc. */

typedef struct gaon_allocator {
  void *(*allocate)(void *context, size_t size, size_t alignment);
  void (*deallocate)(void *context, void *pointer);
  void *context;
} gaon_allocator;

/* Tensors -------------------------------------------------------------- */

typedef enum gaon_dtype {
  GAON_F32 = 0, GAON_F16, GAON_BF16, GAON_F64,
  GAON_I8, GAON_I16, GAON_I32, GAON_I64,
  GAON_U8, GAON_U16, GAON_U32, GAON_U64,
  GAON_BOOL,
  GAON_I4, /* two per byte, low nibble first (weights; constants only) */
} gaon_dtype;

/* Gaon's version, and the .gnb format version this runtime reads and the
 * compiler of the same version writes. */
#define GAON_VERSION "0.1.0"
#define GAON_GNB_FORMAT_VERSION 7

/* The largest tensors a binary may describe: the loader refuses more, and
 * the compiler refuses to write more. */
#define GAON_MAX_RANK 8
#define GAON_MAX_ELEMENTS (1ull << 50)

/* A view of caller-owned memory. */
typedef struct gaon_tensor {
  gaon_dtype dtype;
  int32_t rank;
  int64_t shape[GAON_MAX_RANK];
  void *data;
  size_t byte_size;
} gaon_tensor;

/* Bytes per element; 0 for GAON_I4, which packs two elements per byte. */
size_t gaon_dtype_size(gaon_dtype dtype);
/* Bytes `count` elements take: ceil(count / 2) for GAON_I4. */
size_t gaon_dtype_bytes(gaon_dtype dtype, uint64_t count);
const char *gaon_dtype_name(gaon_dtype dtype);

/* Models --------------------------------------------------------------- */

typedef struct gaon_model_s gaon_model;

/* Loads and verifies a .gnb file (memory-mapped, constants used in place). */
gaon_status gaon_model_load_file(const char *path,
                                 const gaon_allocator *allocator,
                                 gaon_model **out_model);
/* Loads from memory the caller keeps alive and unchanged until release. */
gaon_status gaon_model_load_memory(const void *data, size_t size,
                                   const gaon_allocator *allocator,
                                   gaon_model **out_model);
void gaon_model_release(gaon_model *model);

size_t gaon_model_input_count(const gaon_model *model);
size_t gaon_model_output_count(const gaon_model *model);
/* Describes input/output i: name, dtype and shape (data is NULL). */
gaon_status gaon_model_input(const gaon_model *model, size_t index,
                             const char **out_name, gaon_tensor *out_info);
gaon_status gaon_model_output(const gaon_model *model, size_t index,
                              const char **out_name, gaon_tensor *out_info);
const char *gaon_model_target(const gaon_model *model);

/* Entry points. A model without named entries has one, "main". */
size_t gaon_model_entry_count(const gaon_model *model);
const char *gaon_model_entry_name(const gaon_model *model, size_t entry);
/* GAON_NOT_FOUND, listing the entries, when no entry has that name. */
gaon_status gaon_model_find_entry(const gaon_model *model, const char *name,
                                  size_t *out_entry);
size_t gaon_model_entry_input_count(const gaon_model *model, size_t entry);
size_t gaon_model_entry_output_count(const gaon_model *model, size_t entry);
gaon_status gaon_model_entry_input(const gaon_model *model, size_t entry,
                                   size_t index, const char **out_name,
                                   gaon_tensor *out_info);
gaon_status gaon_model_entry_output(const gaon_model *model, size_t entry,
                                    size_t index, const char **out_name,
                                    gaon_tensor *out_info);

/* Session state: named buffers that persist between runs (a decoder's
 * caches). Describes state i with its largest shape. */
size_t gaon_model_state_count(const gaon_model *model);
gaon_status gaon_model_state(const gaon_model *model, size_t index,
                             const char **out_name, gaon_tensor *out_info);
uint64_t gaon_model_arena_size(const gaon_model *model);

/* Sessions ------------------------------------------------------------- */

typedef struct gaon_session_s gaon_session;

/* The most threads a session may ask for. */
#define GAON_MAX_THREADS 256

typedef struct gaon_session_options {
  const char *device; /* "cpu" (default), "sim", "sim-timing" (NPU time
                         only: NPU outputs are not computed), "npu" */
  int32_t threads;    /* 0: all cores; at most GAON_MAX_THREADS */
} gaon_session_options;

gaon_status gaon_session_create(const gaon_model *model,
                                const gaon_session_options *options,
                                gaon_session **out_session);
void gaon_session_release(gaon_session *session);

/* Reports of the session's last run, as JSON (docs/npu.md, "What the
 * simulator reports"): the profile (cycles, MACs, DRAM bytes, busy cycles
 * per engine, one row per source node; CPU ops with their host seconds) or
 * a Chrome trace (one track per engine per core). A run with no simulated
 * segment (the cpu device) reports its CPU ops' host times in the same
 * format. GAON_NOT_FOUND before the first run. Free *json with
 * gaon_string_free. */
typedef enum gaon_report_kind {
  GAON_REPORT_PROFILE = 0,
  GAON_REPORT_TRACE = 1,
} gaon_report_kind;
gaon_status gaon_session_report(const gaon_session *session,
                                gaon_report_kind kind, char **json);
void gaon_string_free(char *text);

/* Runs the model. inputs[i] is graph input i; outputs[i] must have the
 * output's dtype and shape and a buffer of byte_size bytes. */
gaon_status gaon_session_run(gaon_session *session, const gaon_tensor *inputs,
                             size_t input_count, gaon_tensor *outputs,
                             size_t output_count);

/* Runs entry point `entry` (see gaon_model_find_entry), over its own
 * inputs and outputs and the session's state. */
gaon_status gaon_session_run_entry(gaon_session *session, size_t entry,
                                   const gaon_tensor *inputs,
                                   size_t input_count, gaon_tensor *outputs,
                                   size_t output_count);

/* Sets every state of the session to zero, as at creation. */
gaon_status gaon_session_reset_state(gaon_session *session);
/* Copies state `index` out of or into the session: `tensor` must have the
 * state's dtype and shape (gaon_model_state). */
gaon_status gaon_session_read_state(const gaon_session *session, size_t index,
                                    gaon_tensor *tensor);
gaon_status gaon_session_write_state(gaon_session *session, size_t index,
                                     const gaon_tensor *tensor);

/* The device names this runtime was built with, comma-separated. */
const char *gaon_runtime_devices(void);

#ifdef __cplusplus
}
#endif

#endif /* GAON_RUNTIME_H */
