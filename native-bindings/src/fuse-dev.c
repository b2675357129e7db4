/*
 * /dev/fuse ioctls for passthrough: register a backing file (FUSE_DEV_IOC_BACKING_OPEN) and drop it
 * (FUSE_DEV_IOC_BACKING_CLOSE). Defined here because Debian's kernel headers predate them (6.9).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "families.h"
#include "fuse-dev.h"
#include "napi-util.h"

struct strata_fuse_backing_map {
  int32_t fd;
  uint32_t flags;
  uint64_t padding;
};

#define STRATA_FUSE_DEV_IOC_MAGIC 229
#define STRATA_FUSE_DEV_IOC_BACKING_OPEN _IOW(STRATA_FUSE_DEV_IOC_MAGIC, 1, struct strata_fuse_backing_map)
#define STRATA_FUSE_DEV_IOC_BACKING_CLOSE _IOW(STRATA_FUSE_DEV_IOC_MAGIC, 2, uint32_t)

int strata_backing_open(int fuse_fd, int backing_fd) {
  struct strata_fuse_backing_map map = {.fd = backing_fd};
  return ioctl(fuse_fd, STRATA_FUSE_DEV_IOC_BACKING_OPEN, &map);
}

int strata_backing_close(int fuse_fd, uint32_t id) { return ioctl(fuse_fd, STRATA_FUSE_DEV_IOC_BACKING_CLOSE, &id); }

/* fuseBackingOpen(fuseFd, backingFd) -> backing id */
static napi_value js_backing_open(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fuse_fd, backing_fd;
  if (!strata_arg_int32(&a, 0, &fuse_fd) || !strata_arg_int32(&a, 1, &backing_fd)) return NULL;
  int id = strata_backing_open(fuse_fd, backing_fd);
  if (id < 0) return strata_throw_errno(env, errno, "ioctl(FUSE_DEV_IOC_BACKING_OPEN)", NULL);
  return strata_int64(env, id);
}

/* fuseBackingClose(fuseFd, backingId) */
static napi_value js_backing_close(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fuse_fd;
  uint32_t id;
  if (!strata_arg_int32(&a, 0, &fuse_fd) || !strata_arg_uint32(&a, 1, &id)) return NULL;
  if (strata_backing_close(fuse_fd, id) != 0)
    return strata_throw_errno(env, errno, "ioctl(FUSE_DEV_IOC_BACKING_CLOSE)", NULL);
  return strata_undefined(env);
}

void strata_init_fuse_dev(napi_env env, napi_value exports) {
  static const strata_export list[] = {
      {"fuseBackingOpen", js_backing_open}, {"fuseBackingClose", js_backing_close}, {NULL, NULL}};
  strata_define(env, exports, list);
}
