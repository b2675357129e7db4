/* Argument reading and Node-style errno errors for every family of the addon. */
#include "napi-util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

static void set_str(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) == napi_ok) napi_set_named_property(env, obj, key, v);
}

napi_value strata_errno_error(napi_env env, int err, const char *syscall, const char *path) {
  const char *code = uv_err_name(-err);
  char message[STRATA_PATH_BUF + 256];
  if (path)
    snprintf(message, sizeof message, "%s: %s, %s '%s'", code, strerror(err), syscall, path);
  else
    snprintf(message, sizeof message, "%s: %s, %s", code, strerror(err), syscall);
  napi_value msg, error, errno_value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  set_str(env, error, "code", code);
  napi_create_int32(env, -err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  set_str(env, error, "syscall", syscall);
  if (path) set_str(env, error, "path", path);
  return error;
}

napi_value strata_throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  napi_throw(env, strata_errno_error(env, err, syscall, path));
  return NULL;
}

napi_value strata_throw_type(napi_env env, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, NULL, message);
  return NULL;
}

bool strata_get_args(napi_env env, napi_callback_info info, strata_args *a) {
  a->env = env;
  a->argc = STRATA_MAX_ARGS;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) {
    strata_throw_type(env, "internal N-API failure: napi_get_cb_info");
    return false;
  }
  if (a->argc > STRATA_MAX_ARGS) a->argc = STRATA_MAX_ARGS; /* the rest were not fetched */
  return true;
}

/* Whether argument i was passed and has type `want`. */
static bool arg_is(const strata_args *a, size_t i, napi_valuetype want) {
  napi_valuetype t;
  return i < a->argc && napi_typeof(a->env, a->argv[i], &t) == napi_ok && t == want;
}

static bool arg_number(const strata_args *a, size_t i, double *out) {
  if (!arg_is(a, i, napi_number)) {
    char m[64];
    snprintf(m, sizeof m, "argument %zu must be a number", i);
    strata_throw_type(a->env, m);
    return false;
  }
  napi_get_value_double(a->env, a->argv[i], out);
  return true;
}

bool strata_arg_bool(const strata_args *a, size_t i, const char *name, bool *out) {
  if (arg_is(a, i, napi_boolean) && napi_get_value_bool(a->env, a->argv[i], out) == napi_ok) return true;
  char m[96];
  snprintf(m, sizeof m, "%s must be a boolean", name);
  strata_throw_type(a->env, m);
  return false;
}

bool strata_arg_int32(const strata_args *a, size_t i, int32_t *out) {
  double d;
  if (!arg_number(a, i, &d)) return false;
  if (d < INT32_MIN || d > INT32_MAX || d != (double)(int32_t)d) {
    strata_throw_type(a->env, "integer argument out of range");
    return false;
  }
  *out = (int32_t)d;
  return true;
}

bool strata_arg_uint32(const strata_args *a, size_t i, uint32_t *out) {
  double d;
  if (!arg_number(a, i, &d)) return false;
  if (d < 0 || d > UINT32_MAX || d != (double)(uint32_t)d) {
    strata_throw_type(a->env, "unsigned integer argument out of range");
    return false;
  }
  *out = (uint32_t)d;
  return true;
}

bool strata_arg_int64(const strata_args *a, size_t i, int64_t *out) {
  double d;
  if (!arg_number(a, i, &d)) return false;
  if (d < -9007199254740991.0 || d > 9007199254740991.0 || d != (double)(int64_t)d) {
    strata_throw_type(a->env, "integer argument out of safe range");
    return false;
  }
  *out = (int64_t)d;
  return true;
}

/* A path argument: a string (UTF-8) or a Buffer of the path's bytes (names that are not UTF-8). */
bool strata_arg_path(const strata_args *a, size_t i, char *buf, size_t size) {
  size_t len = 0;
  bool is_buffer = false;
  if (i < a->argc && napi_is_buffer(a->env, a->argv[i], &is_buffer) == napi_ok && is_buffer) {
    void *data = NULL;
    napi_get_buffer_info(a->env, a->argv[i], &data, &len);
    if (len >= size) {
      strata_throw_errno(a->env, ENAMETOOLONG, "path", NULL);
      return false;
    }
    memcpy(buf, data, len);
    buf[len] = '\0';
  } else if (arg_is(a, i, napi_string)) {
    napi_get_value_string_utf8(a->env, a->argv[i], NULL, 0, &len);
    if (len >= size) {
      strata_throw_errno(a->env, ENAMETOOLONG, "path", NULL);
      return false;
    }
    napi_get_value_string_utf8(a->env, a->argv[i], buf, size, &len);
  } else {
    strata_throw_type(a->env, "path argument must be a string or a Buffer");
    return false;
  }
  if (strlen(buf) != len) {
    strata_throw_type(a->env, "path argument must not contain NUL bytes");
    return false;
  }
  return true;
}

bool strata_arg_buffer(const strata_args *a, size_t i, void **data, size_t *len) {
  bool is_buffer = false;
  if (i >= a->argc || napi_is_buffer(a->env, a->argv[i], &is_buffer) != napi_ok || !is_buffer) {
    strata_throw_type(a->env, "argument must be a Buffer");
    return false;
  }
  napi_get_buffer_info(a->env, a->argv[i], data, len);
  return true;
}

void *strata_external_of(napi_env env, napi_value value, const napi_type_tag *tag) {
  napi_valuetype type;
  bool tagged = false;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return NULL;
  if (napi_check_object_type_tag(env, value, tag, &tagged) != napi_ok || !tagged) return NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return data;
}

bool strata_typed_array(napi_env env, napi_value value, napi_typedarray_type type, void **data, size_t *length) {
  bool typed = false;
  napi_typedarray_type actual;
  if (napi_is_typedarray(env, value, &typed) != napi_ok || !typed) return false;
  if (napi_get_typedarray_info(env, value, &actual, length, data, NULL, NULL) != napi_ok) return false;
  return actual == type;
}

napi_value strata_tagged_external(napi_env env, void *data, napi_finalize finalize, const napi_type_tag *tag) {
  napi_value out;
  if (napi_create_external(env, data, finalize, NULL, &out) != napi_ok) {
    finalize(env, data, NULL);
    strata_throw_type(env, "internal N-API failure: napi_create_external");
    return NULL;
  }
  /* from here the external owns `data`: its finalizer frees it */
  if (napi_type_tag_object(env, out, tag) != napi_ok) {
    strata_throw_type(env, "internal N-API failure: napi_type_tag_object");
    return NULL;
  }
  return out;
}

napi_value strata_undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

napi_value strata_int64(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

void strata_define(napi_env env, napi_value exports, const strata_export *list) {
  for (; list->name; list++) {
    napi_value fn;
    napi_create_function(env, list->name, NAPI_AUTO_LENGTH, list->fn, NULL, &fn);
    napi_set_named_property(env, exports, list->name, fn);
  }
}

napi_value strata_queue_promise(napi_env env, const char *name, napi_async_execute_callback execute,
                                napi_async_complete_callback complete, void *data, napi_async_work *work,
                                napi_deferred *deferred) {
  napi_value promise, resource;
  if (napi_create_promise(env, deferred, &promise) != napi_ok) return strata_throw_type(env, "cannot create promise");
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, NULL, resource, execute, complete, data, work);
  napi_queue_async_work(env, *work);
  return promise;
}
