/* mknodat: whiteouts (char 0/0), fifos, device nodes and sockets. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "families.h"
#include "napi-util.h"

/* mknodat(dirfd, path, mode, major, minor) */
static napi_value js_mknodat(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t dirfd;
  uint32_t mode, major, minor;
  char path[STRATA_PATH_BUF];
  if (!strata_arg_int32(&a, 0, &dirfd) || !strata_arg_path(&a, 1, path, sizeof path) ||
      !strata_arg_uint32(&a, 2, &mode) || !strata_arg_uint32(&a, 3, &major) || !strata_arg_uint32(&a, 4, &minor))
    return NULL;
  if (mknodat(dirfd, path, mode, makedev(major, minor)) != 0) return strata_throw_errno(env, errno, "mknodat", path);
  return strata_undefined(env);
}

void strata_init_nodes(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"mknodat", js_mknodat}, {NULL, NULL}};
  strata_define(env, exports, list);
}
