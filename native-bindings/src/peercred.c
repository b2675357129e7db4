/* getsockopt(SO_PEERCRED): who is at the other end of a connected Unix socket. */
#include <errno.h>
#include <sys/socket.h>

#include "families.h"
#include "napi-util.h"

static void set_int(napi_env env, napi_value obj, const char *key, int64_t v) {
  napi_set_named_property(env, obj, key, strata_int64(env, v));
}

/* peerCred(fd) -> { pid, uid, gid } */
static napi_value js_peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (!strata_arg_int32(env, argv, argc, 0, &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return strata_throw_errno(env, errno, "getsockopt", NULL);
  napi_value out;
  napi_create_object(env, &out);
  set_int(env, out, "pid", cred.pid);
  set_int(env, out, "uid", cred.uid);
  set_int(env, out, "gid", cred.gid);
  return out;
}

void strata_init_peercred(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"peerCred", js_peer_cred}, {NULL, NULL}};
  strata_define(env, exports, list);
}
