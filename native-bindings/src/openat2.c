/* openat2 with a resolve mask (RESOLVE_BENEATH, RESOLVE_NO_MAGICLINKS, ...): opens never escape a layer. */
#include <errno.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "families.h"
#include "napi-util.h"

/* openat2(dirfd, path, flags, mode, resolve) -> fd */
static napi_value js_openat2(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t dirfd;
  int64_t flags;
  uint32_t mode, resolve;
  char path[STRATA_PATH_BUF];
  if (!strata_arg_int32(&a, 0, &dirfd) || !strata_arg_path(&a, 1, path, sizeof path) ||
      !strata_arg_int64(&a, 2, &flags) || !strata_arg_uint32(&a, 3, &mode) || !strata_arg_uint32(&a, 4, &resolve))
    return NULL;
  struct open_how how = {.flags = (uint64_t)flags, .mode = mode, .resolve = resolve};
  long fd;
  do fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return strata_throw_errno(env, errno, "openat2", path);
  return strata_int64(env, fd);
}

void strata_init_openat2(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"openat2", js_openat2}, {NULL, NULL}};
  strata_define(env, exports, list);
}
