/* renameat2 with RENAME_NOREPLACE, RENAME_EXCHANGE and RENAME_WHITEOUT. */
#include <errno.h>
#include <stdio.h>

#include "families.h"
#include "napi-util.h"

/* renameat2(olddirfd, oldpath, newdirfd, newpath, flags) */
static napi_value js_renameat2(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t olddirfd, newdirfd;
  uint32_t flags;
  char oldpath[STRATA_PATH_BUF], newpath[STRATA_PATH_BUF];
  if (!strata_arg_int32(&a, 0, &olddirfd) || !strata_arg_path(&a, 1, oldpath, sizeof oldpath) ||
      !strata_arg_int32(&a, 2, &newdirfd) || !strata_arg_path(&a, 3, newpath, sizeof newpath) ||
      !strata_arg_uint32(&a, 4, &flags))
    return NULL;
  if (renameat2(olddirfd, oldpath, newdirfd, newpath, flags) != 0) {
    napi_value error = strata_errno_error(env, errno, "renameat2", oldpath);
    napi_value dest;
    napi_create_string_utf8(env, newpath, NAPI_AUTO_LENGTH, &dest);
    napi_set_named_property(env, error, "dest", dest);
    napi_throw(env, error);
    return NULL;
  }
  return strata_undefined(env);
}

void strata_init_rename(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"renameat2", js_renameat2}, {NULL, NULL}};
  strata_define(env, exports, list);
}
