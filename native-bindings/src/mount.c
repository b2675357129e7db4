/* mount(2) and umount2(2): the FUSE engine mounts /dev/fuse connections without fusermount. */
#include <errno.h>
#include <sys/mount.h>

#include "families.h"
#include "napi-util.h"

/* mount(source, target, fstype, flags, data) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  char source[STRATA_PATH_BUF], target[STRATA_PATH_BUF], fstype[256], data[STRATA_PATH_BUF];
  int64_t flags;
  if (!strata_arg_path(&a, 0, source, sizeof source) || !strata_arg_path(&a, 1, target, sizeof target) ||
      !strata_arg_path(&a, 2, fstype, sizeof fstype) || !strata_arg_int64(&a, 3, &flags) ||
      !strata_arg_path(&a, 4, data, sizeof data))
    return NULL;
  if (mount(source, target, fstype, (unsigned long)flags, data) != 0)
    return strata_throw_errno(env, errno, "mount", target);
  return strata_undefined(env);
}

/* umount2(target, flags) */
static napi_value js_umount2(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  char target[STRATA_PATH_BUF];
  int32_t flags;
  if (!strata_arg_path(&a, 0, target, sizeof target) || !strata_arg_int32(&a, 1, &flags)) return NULL;
  if (umount2(target, flags) != 0) return strata_throw_errno(env, errno, "umount2", target);
  return strata_undefined(env);
}

void strata_init_mount(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"mount", js_mount}, {"umount2", js_umount2}, {NULL, NULL}};
  strata_define(env, exports, list);
}
