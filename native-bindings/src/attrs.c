/* utimensat with nanoseconds (UTIME_NOW / UTIME_OMIT) and fchownat, both honouring AT_SYMLINK_NOFOLLOW. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "families.h"
#include "napi-util.h"

/* utimensat(dirfd, path, atimeSec, atimeNsec, mtimeSec, mtimeNsec, flags); nsec may be UTIME_NOW/OMIT. */
static napi_value js_utimensat(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t dirfd, flags;
  int64_t as, an, ms, mn;
  char path[STRATA_PATH_BUF];
  if (!strata_arg_int32(&a, 0, &dirfd) || !strata_arg_path(&a, 1, path, sizeof path) || !strata_arg_int64(&a, 2, &as) ||
      !strata_arg_int64(&a, 3, &an) || !strata_arg_int64(&a, 4, &ms) || !strata_arg_int64(&a, 5, &mn) ||
      !strata_arg_int32(&a, 6, &flags))
    return NULL;
  struct timespec times[2] = {{.tv_sec = as, .tv_nsec = an}, {.tv_sec = ms, .tv_nsec = mn}};
  const char *target = path[0] ? path : NULL;
  int rc = target ? utimensat(dirfd, target, times, flags) : futimens(dirfd, times);
  if (rc != 0) return strata_throw_errno(env, errno, target ? "utimensat" : "futimens", target);
  return strata_undefined(env);
}

/* fchownat(dirfd, path, uid, gid, flags); -1 leaves an id unchanged. */
static napi_value js_fchownat(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t dirfd, uid, gid, flags;
  char path[STRATA_PATH_BUF];
  if (!strata_arg_int32(&a, 0, &dirfd) || !strata_arg_path(&a, 1, path, sizeof path) ||
      !strata_arg_int32(&a, 2, &uid) || !strata_arg_int32(&a, 3, &gid) || !strata_arg_int32(&a, 4, &flags))
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
