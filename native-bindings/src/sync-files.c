/*
 * Making many new files durable at once, for copy-ups whose fsync is shared (daemon/overlay/
 * copy-up-sync.ts): syncFiles starts write-back of every file first (sync_file_range), then
 * fsyncs each, off the JS thread. The first fsync's journal commit then carries the others'
 * block allocations, so a batch of small files costs about one commit instead of one each.
 * dupFd gives the batch its own descriptor, so the caller may close its own meanwhile.
 * Tests: test/unit/native-bindings/sync-files.test.ts
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "families.h"
#include "napi-util.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  size_t count;
  int *fds;
  int *errs; /* per fd: 0, or the errno of the first call that failed */
} sync_job;

static void execute(napi_env env, void *data) {
  sync_job *job = data;
  for (size_t i = 0; i < job->count; i++)
    if (sync_file_range(job->fds[i], 0, 0, SYNC_FILE_RANGE_WRITE) != 0) job->errs[i] = errno;
  for (size_t i = 0; i < job->count; i++)
    if (fsync(job->fds[i]) != 0 && job->errs[i] == 0) job->errs[i] = errno;
}

static void free_job(sync_job *job) {
  free(job->fds);
  free(job->errs);
  free(job);
}

static void complete(napi_env env, napi_status status, void *data) {
  sync_job *job = data;
  napi_value out = NULL, v;
  if (napi_create_array_with_length(env, job->count, &out) == napi_ok)
    for (size_t i = 0; i < job->count; i++) {
      napi_create_int32(env, job->errs[i], &v);
      napi_set_element(env, out, (uint32_t)i, v);
    }
  if (out)
    napi_resolve_deferred(env, job->deferred, out);
  else
    napi_reject_deferred(env, job->deferred, strata_errno_error(env, ENOMEM, "fsync", NULL));
  napi_delete_async_work(env, job->work);
  free_job(job);
}

/* syncFiles(fds: Buffer of int32) -> Promise<number[]>: per fd, 0 or the errno of its sync_file_range or fsync */
static napi_value js_sync_files(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  void *data;
  size_t len;
  if (!strata_arg_buffer(&a, 0, &data, &len)) return NULL;
  if (len % sizeof(int32_t) != 0) return strata_throw_type(env, "fds must be int32 values");
  sync_job *job = calloc(1, sizeof *job);
  size_t count = len / sizeof(int32_t);
  if (job) job->fds = calloc(count + 1, sizeof(int)), job->errs = calloc(count + 1, sizeof(int));
  if (!job || !job->fds || !job->errs) {
    if (job) free_job(job);
    return strata_throw_errno(env, ENOMEM, "fsync", NULL);
  }
  job->count = count;
  for (size_t i = 0; i < count; i++) job->fds[i] = ((const int32_t *)data)[i];
  napi_value promise = strata_queue_promise(env, "fsync", execute, complete, job, &job->work, &job->deferred);
  if (!promise) free_job(job);
  return promise;
}

/* dupFd(fd) -> number: a new descriptor of the same open file, close-on-exec */
static napi_value js_dup_fd(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd;
  if (!strata_arg_int32(&a, 0, &fd)) return NULL;
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return strata_throw_errno(env, errno, "dup", NULL);
  return strata_int64(env, copy);
}

void strata_init_sync_files(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"syncFiles", js_sync_files}, {"dupFd", js_dup_fd}, {NULL, NULL}};
  strata_define(env, exports, list);
}
