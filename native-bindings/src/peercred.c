/* getsockopt(SO_PEERCRED, SO_PEERGROUPS): who is at the other end of a connected Unix socket,
 * as the kernel recorded it at connect(2). */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "families.h"
#include "napi-util.h"

static void set_int(napi_env env, napi_value obj, const char *key, int64_t v) {
  napi_set_named_property(env, obj, key, strata_int64(env, v));
}

/* The peer's supplementary groups; the kernel says how many with ERANGE when the buffer is short. */
static napi_value peer_groups(napi_env env, int fd) {
  socklen_t len = 64 * sizeof(gid_t);
  gid_t *groups = NULL;
  for (;;) {
    gid_t *grown = realloc(groups, len);
    if (grown == NULL) {
      free(groups);
      return strata_throw_errno(env, ENOMEM, "getsockopt", NULL);
    }
    groups = grown;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) break;
    if (errno != ERANGE) {
      int e = errno;
      free(groups);
      return strata_throw_errno(env, e, "getsockopt", NULL);
    }
  }
  napi_value arr;
  napi_create_array_with_length(env, len / sizeof(gid_t), &arr);
  for (size_t i = 0; i < len / sizeof(gid_t); i++) napi_set_element(env, arr, i, strata_int64(env, groups[i]));
  free(groups);
  return arr;
}

/* peerCred(fd) -> { pid, uid, gid, groups } */
static napi_value js_peer_cred(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd;
  if (!strata_arg_int32(&a, 0, &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return strata_throw_errno(env, errno, "getsockopt", NULL);
  napi_value out;
  napi_create_object(env, &out);
  set_int(env, out, "pid", cred.pid);
  set_int(env, out, "uid", cred.uid);
  set_int(env, out, "gid", cred.gid);
  napi_value groups = peer_groups(env, fd);
  if (groups == NULL) return NULL;
  napi_set_named_property(env, out, "groups", groups);
  return out;
}

void strata_init_peercred(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"peerCred", js_peer_cred}, {NULL, NULL}};
  strata_define(env, exports, list);
}
