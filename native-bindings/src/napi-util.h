/*
 * Shared helpers of the strata addon: argument reading and Node-style errors.
 * Every syscall failure becomes an Error with `code` (e.g. 'ENOENT'), `errno` (negative, as
 * Node's own fs errors), `syscall` and, where one is involved, `path`.
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

/* Read argument i; each returns false after throwing a TypeError. */
bool strata_arg_int32(napi_env env, napi_value *argv, size_t argc, size_t i, int32_t *out);
bool strata_arg_uint32(napi_env env, napi_value *argv, size_t argc, size_t i, uint32_t *out);
bool strata_arg_int64(napi_env env, napi_value *argv, size_t argc, size_t i, int64_t *out);
bool strata_arg_path(napi_env env, napi_value *argv, size_t argc, size_t i, char *buf, size_t size);
bool strata_arg_buffer(napi_env env, napi_value *argv, size_t argc, size_t i, void **data, size_t *len);

napi_value strata_undefined(napi_env env);
napi_value strata_int64(napi_env env, int64_t v);

typedef struct {
  const char *name;
  napi_callback fn;
} strata_export;

void strata_define(napi_env env, napi_value exports, const strata_export *list);

#endif
