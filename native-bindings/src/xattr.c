/*
 * Extended attributes that never follow symlinks: l* calls on paths, f* calls on fds.
 * get/list probe the size first and retry when the attribute grows in between (ERANGE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "families.h"
#include "napi-util.h"

typedef struct {
  int fd;
  char path[STRATA_PATH_BUF];
  bool by_path;
} target;

/* Reads argument 0 as a path (l* variants) or an fd (f* variants). */
static bool read_target(const strata_args *a, bool by_path, target *t) {
  t->by_path = by_path;
  t->path[0] = 0;
  if (by_path) return strata_arg_path(a, 0, t->path, sizeof t->path);
  int32_t fd;
  if (!strata_arg_int32(a, 0, &fd)) return false;
  t->fd = fd;
  return true;
}

/* Reads the target (argument 0) and the attribute name (argument 1). */
static bool read_target_name(const strata_args *a, bool by_path, target *t, char *name) {
  return read_target(a, by_path, t) && strata_arg_path(a, 1, name, XATTR_NAME_MAX + 1);
}

static const char *sys_name(const target *t, const char *base) {
  static const char *names[][3] = {{"getxattr", "lgetxattr", "fgetxattr"},
                                   {"setxattr", "lsetxattr", "fsetxattr"},
                                   {"listxattr", "llistxattr", "flistxattr"},
                                   {"removexattr", "lremovexattr", "fremovexattr"}};
  for (size_t i = 0; i < 4; i++)
    if (strcmp(names[i][0], base) == 0) return names[i][t->by_path ? 1 : 2];
  return base;
}

static napi_value fail(napi_env env, const target *t, const char *base) {
  return strata_throw_errno(env, errno, sys_name(t, base), t->by_path ? t->path : NULL);
}

static ssize_t do_get(const target *t, const char *name, void *buf, size_t size) {
  return t->by_path ? lgetxattr(t->path, name, buf, size) : fgetxattr(t->fd, name, buf, size);
}

static ssize_t do_list(const target *t, char *buf, size_t size) {
  return t->by_path ? llistxattr(t->path, buf, size) : flistxattr(t->fd, buf, size);
}

static napi_value get_impl(napi_env env, napi_callback_info info, bool by_path) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  target t;
  char name[XATTR_NAME_MAX + 1];
  if (!read_target_name(&a, by_path, &t, name)) return NULL;
  for (;;) {
    ssize_t size = do_get(&t, name, NULL, 0);
    if (size < 0) return fail(env, &t, "getxattr");
    void *data = NULL;
    napi_value out;
    NAPI_OK(env, napi_create_buffer(env, (size_t)size, &data, &out));
    ssize_t got = size ? do_get(&t, name, data, (size_t)size) : 0;
    if (got >= 0) {
      if (got == size) return out;
      napi_value sliced;
      NAPI_OK(env, napi_create_buffer_copy(env, (size_t)got, data, NULL, &sliced));
      return sliced;
    }
    if (errno != ERANGE) return fail(env, &t, "getxattr");
  }
}

/* lgetxattrIfAny(path, name) -> Buffer | null: null when absent (ENODATA) or unsupported, without
 * building an Error: absence is the normal answer for overlay's opaque probe on every walk. */
static napi_value js_lgetxattr_if_any(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  target t;
  char name[XATTR_NAME_MAX + 1];
  if (!read_target_name(&a, true, &t, name)) return NULL;
  char small[256];
  ssize_t got = lgetxattr(t.path, name, small, sizeof small);
  if (got < 0 && (errno == ENODATA || errno == ENOTSUP)) {
    napi_value none;
    napi_get_null(env, &none);
    return none;
  }
  if (got < 0 && errno != ERANGE) return fail(env, &t, "getxattr");
  if (got < 0) return get_impl(env, info, true); /* larger than 256 bytes: the general path */
  napi_value out;
  NAPI_OK(env, napi_create_buffer_copy(env, (size_t)got, small, NULL, &out));
  return out;
}

static napi_value set_impl(napi_env env, napi_callback_info info, bool by_path) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  target t;
  char name[XATTR_NAME_MAX + 1];
  void *data;
  size_t len;
  int32_t flags;
  if (!read_target_name(&a, by_path, &t, name) || !strata_arg_buffer(&a, 2, &data, &len) ||
      !strata_arg_int32(&a, 3, &flags))
    return NULL;
  int rc = by_path ? lsetxattr(t.path, name, data, len, flags) : fsetxattr(t.fd, name, data, len, flags);
  if (rc != 0) return fail(env, &t, "setxattr");
  return strata_undefined(env);
}

static napi_value names_array(napi_env env, const char *buf, size_t len) {
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  for (size_t off = 0; off < len;) {
    size_t n = strnlen(buf + off, len - off);
    napi_value s;
    napi_create_string_utf8(env, buf + off, n, &s);
    napi_set_element(env, arr, i++, s);
    off += n + 1;
  }
  return arr;
}

static napi_value list_impl(napi_env env, napi_callback_info info, bool by_path) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  target t;
  if (!read_target(&a, by_path, &t)) return NULL;
  for (;;) {
    ssize_t size = do_list(&t, NULL, 0);
    if (size < 0) return fail(env, &t, "listxattr");
    char *buf = malloc(size ? (size_t)size : 1);
    if (!buf) return strata_throw_errno(env, ENOMEM, "listxattr", NULL);
    ssize_t got = size ? do_list(&t, buf, (size_t)size) : 0;
    if (got >= 0) {
      napi_value out = names_array(env, buf, (size_t)got);
      free(buf);
      return out;
    }
    int err = errno;
    free(buf);
    if (err != ERANGE) {
      errno = err;
      return fail(env, &t, "listxattr");
    }
  }
}

static napi_value remove_impl(napi_env env, napi_callback_info info, bool by_path) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  target t;
  char name[XATTR_NAME_MAX + 1];
  if (!read_target_name(&a, by_path, &t, name)) return NULL;
  int rc = by_path ? lremovexattr(t.path, name) : fremovexattr(t.fd, name);
  if (rc != 0) return fail(env, &t, "removexattr");
  return strata_undefined(env);
}

static napi_value js_lgetxattr(napi_env env, napi_callback_info info) { return get_impl(env, info, true); }
static napi_value js_fgetxattr(napi_env env, napi_callback_info info) { return get_impl(env, info, false); }
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) { return set_impl(env, info, true); }
static napi_value js_fsetxattr(napi_env env, napi_callback_info info) { return set_impl(env, info, false); }
static napi_value js_llistxattr(napi_env env, napi_callback_info info) { return list_impl(env, info, true); }
static napi_value js_flistxattr(napi_env env, napi_callback_info info) { return list_impl(env, info, false); }
static napi_value js_lremovexattr(napi_env env, napi_callback_info info) { return remove_impl(env, info, true); }
static napi_value js_fremovexattr(napi_env env, napi_callback_info info) { return remove_impl(env, info, false); }

void strata_init_xattr(napi_env env, napi_value exports) {
  static const strata_export list[] = {
      {"lgetxattr", js_lgetxattr},       {"fgetxattr", js_fgetxattr},     {"lsetxattr", js_lsetxattr},
      {"lgetxattrIfAny", js_lgetxattr_if_any},
      {"fsetxattr", js_fsetxattr},       {"llistxattr", js_llistxattr},   {"flistxattr", js_flistxattr},
      {"lremovexattr", js_lremovexattr}, {"fremovexattr", js_fremovexattr}, {NULL, NULL}};
  strata_define(env, exports, list);
}
