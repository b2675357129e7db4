/*
 * Shared helpers of the strata addon: argument reading and Node-style errors.
 * Every function starts the same way: the arguments fetched once, then each one read by index:
 *   strata_args a;
 *   if (!strata_get_args(env, info, &a)) return NULL;
 *   if (!strata_arg_int32(&a, 0, &fd) || !strata_arg_path(&a, 1, path, sizeof path)) return NULL;
 * Every syscall failure becomes an Error with `code` (e.g. 'ENOENT'), `errno` (negative, as
 * Node's own fs errors), `syscall` and, where one is involved, `path`.
 * Tests: test/unit/native-bindings/args.test.ts
 */
#ifndef STRATA_NAPI_UTIL_H
#define STRATA_NAPI_UTIL_H

#include <limits.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

#define STRATA_PATH_BUF (PATH_MAX + 1)

/* Evaluates a napi call; on failure throws a TypeError and returns NULL from the caller. */
#define NAPI_OK(env, call)                                   \
  do {                                                       \
    if ((call) != napi_ok) {                                 \
      strata_throw_type(env, "internal N-API failure: " #call); \
      return NULL;                                           \
    }                                                        \
  } while (0)

napi_value strata_errno_error(napi_env env, int err, const char *syscall, const char *path);
napi_value strata_throw_errno(napi_env env, int err, const char *syscall, const char *path);
napi_value strata_throw_type(napi_env env, const char *message);

/* The most arguments any function of the addon takes (utimensat: 7). */
#define STRATA_MAX_ARGS 9

/* A call's arguments, fetched once: `argc` is how many the caller passed (at most STRATA_MAX_ARGS). */
typedef struct {
  napi_env env;
  size_t argc;
  napi_value argv[STRATA_MAX_ARGS];
} strata_args;

/* Fetches the call's arguments into `a`; false after throwing. */
bool strata_get_args(napi_env env, napi_callback_info info, strata_args *a);

/* Read argument i; each returns false after throwing (a TypeError, or ENAMETOOLONG for a path). */
/* a boolean argument: the TypeError says "<name> must be a boolean" */
bool strata_arg_bool(const strata_args *a, size_t i, const char *name, bool *out);
bool strata_arg_int32(const strata_args *a, size_t i, int32_t *out);
bool strata_arg_uint32(const strata_args *a, size_t i, uint32_t *out);
bool strata_arg_int64(const strata_args *a, size_t i, int64_t *out);
bool strata_arg_path(const strata_args *a, size_t i, char *buf, size_t size);
bool strata_arg_buffer(const strata_args *a, size_t i, void **data, size_t *len);

napi_value strata_undefined(napi_env env);
/* The data behind an external value made with `tag` (strata_tagged_external), or NULL for any other value. */
void *strata_external_of(napi_env env, napi_value value, const napi_type_tag *tag);
/*
 * An external value for `data`, tagged with `tag`, that calls `finalize` when collected. It owns `data` from the
 * call on (finalize runs at once if it cannot be made); NULL after throwing.
 */
napi_value strata_tagged_external(napi_env env, void *data, napi_finalize finalize, const napi_type_tag *tag);
napi_value strata_int64(napi_env env, int64_t v);
/* Whether `value` is a typed array of `type`: then its data and element count (data may be NULL when empty). */
bool strata_typed_array(napi_env env, napi_value value, napi_typedarray_type type, void **data, size_t *length);
/*
 * A promise settled by `complete` (on the JS thread) after `execute` ran on libuv's pool: fills *work and
 * *deferred, which `complete` settles and deletes. NULL after throwing; `data` is then still the caller's.
 */
napi_value strata_queue_promise(napi_env env, const char *name, napi_async_execute_callback execute,
                                napi_async_complete_callback complete, void *data, napi_async_work *work,
                                napi_deferred *deferred);

typedef struct {
  const char *name;
  napi_callback fn;
} strata_export;

void strata_define(napi_env env, napi_value exports, const strata_export *list);

#endif
