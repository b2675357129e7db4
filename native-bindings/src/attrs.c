/* utimensat with nanoseconds (UTIME_NOW / UTIME_OMIT) and fchownat, both honouring AT_SYMLINK_NOFOLLOW. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "families.h"
#include "napi-util.h"

/* utimensat(dirfd, path, atimeSec, atimeNsec, mtimeSec, mtimeNsec, flags); nsec may be UTIME_NOW/OMIT. */
static napi_value js_utimensat(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t dirfd, flags;
  int64_t as, an, ms, mn;
  char path[STRATA_PATH_BUF];
  if (!strata_arg_int32(env, argv, argc, 0, &dirfd) || !strata_arg_path(env, argv, argc, 1, path, sizeof path) ||
      !strata_arg_int64(env, argv, argc, 2, &as) || !strata_arg_int64(env, argv, argc, 3, &an) ||
      !strata_arg_int64(env, argv, argc, 4, &ms) || !strata_arg_int64(env, argv, argc, 5, &mn) ||
      !strata_arg_int32(env, argv, argc, 6, &flags))
    return NULL;
  struct timespec times[2] = {{.tv_sec = as, .tv_nsec = an}, {.tv_sec = ms, .tv_nsec = mn}};
  const char *target = path[0] ? path : NULL;
  int rc = target ? utimensat(dirfd, target, times, flags) : futimens(dirfd, times);
  if (rc != 0) return strata_throw_errno(env, errno, target ? "utimensat" : "futimens", target);
  return strata_undefined(env);
}

/* fchownat(dirfd, path, uid, gid, flags); -1 leaves an id unchanged. */
static napi_value js_fchownat(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t dirfd, uid, gid, flags;
  char path[STRATA_PATH_BUF];
  if (!strata_arg_int32(env, argv, argc, 0, &dirfd) || !strata_arg_path(env, argv, argc, 1, path, sizeof path) ||
      !strata_arg_int32(env, argv, argc, 2, &uid) || !strata_arg_int32(env, argv, argc, 3, &gid) ||
      !strata_arg_int32(env, argv, argc, 4, &flags))
    return NULL;
  if (fchownat(dirfd, path, (uid_t)uid, (gid_t)gid, flags) != 0)
    return strata_throw_errno(env, errno, "fchownat", path);
  return strata_undefined(env);
}

static napi_value utime_consts(napi_env env) {
  napi_value c;
  napi_create_object(env, &c);
  napi_set_named_property(env, c, "UTIME_NOW", strata_int64(env, UTIME_NOW));
  napi_set_named_property(env, c, "UTIME_OMIT", strata_int64(env, UTIME_OMIT));
  return c;
}

void strata_init_attrs(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"utimensat", js_utimensat}, {"fchownat", js_fchownat}, {NULL, NULL}};
  strata_define(env, exports, list);
  napi_set_named_property(env, exports, "utimeConstants", utime_consts(env));
}
