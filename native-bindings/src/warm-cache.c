/*
 * Warming the kernel's caches ahead of JavaScript's synchronous calls: warmPaths lstats a list of
 * paths, or reads a list of directories through, on libuv's pool, and resolves once done. Nothing
 * is returned but how many succeeded: the point is that the inodes and directory blocks are in
 * memory when the FUSE engine's own lstat or readdir of them follows, so the disk reads of several
 * run at once instead of one after another on the JS thread (daemon/fuse/prefetch.ts decides when).
 * A path that fails (gone, too long) is passed over: the call that follows finds out properly.
 * Tests: test/unit/native-bindings/warm-cache.test.ts
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "families.h"
#include "napi-util.h"

/* getdents64's buffer: a directory of a few hundred entries in one or two calls */
#define DIRENT_BUFFER 32768

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *paths; /* NUL-terminated paths, one after another; `size` bytes in all */
  size_t size;
  bool directories;
  uint32_t warmed;
} warm_job;

/* Reads a directory through (its blocks are then cached); whether it could. */
static bool read_through(const char *path, char *buf) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  long n;
  while ((n = syscall(SYS_getdents64, fd, buf, DIRENT_BUFFER)) > 0) continue;
  close(fd);
  return n == 0;
}

static void execute(napi_env env, void *data) {
  warm_job *job = data;
  char *buf = job->directories ? malloc(DIRENT_BUFFER) : NULL;
  if (job->directories && !buf) return;
  struct stat st;
  for (char *p = job->paths; p < job->paths + job->size; p += strlen(p) + 1) {
    bool ok = job->directories ? read_through(p, buf) : fstatat(AT_FDCWD, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (ok) job->warmed++;
  }
  free(buf);
}

static void complete(napi_env env, napi_status status, void *data) {
  warm_job *job = data;
  napi_value out;
  if (napi_create_uint32(env, job->warmed, &out) == napi_ok) napi_resolve_deferred(env, job->deferred, out);
  else napi_reject_deferred(env, job->deferred, strata_errno_error(env, ENOMEM, "warmPaths", NULL));
  napi_delete_async_work(env, job->work);
  free(job->paths);
  free(job);
}

/* warmPaths(paths: Buffer of NUL-terminated paths, directories: boolean) -> Promise<number> */
static napi_value js_warm_paths(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  void *data;
  size_t len;
  bool directories;
  if (!strata_arg_buffer(&a, 0, &data, &len) || !strata_arg_bool(&a, 1, "directories", &directories)) return NULL;
  if (len > 0 && ((const char *)data)[len - 1] != '\0') return strata_throw_type(env, "paths must end with a NUL");
  warm_job *job = calloc(1, sizeof *job);
  char *copy = len > 0 ? malloc(len) : NULL;
  if (!job || (len > 0 && !copy)) {
    free(job);
    free(copy);
    return strata_throw_errno(env, ENOMEM, "warmPaths", NULL);
  }
  if (len > 0) memcpy(copy, data, len);
  *job = (warm_job){.paths = copy, .size = len, .directories = directories};
  napi_value promise = strata_queue_promise(env, "warmPaths", execute, complete, job, &job->work, &job->deferred);
  if (!promise) {
    free(copy);
    free(job);
  }
  return promise;
}

void strata_init_warm_cache(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"warmPaths", js_warm_paths}, {NULL, NULL}};
  strata_define(env, exports, list);
}
