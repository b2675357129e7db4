/*
 * Data work off the JS thread: copy_file_range (a loop until len or EOF), FICLONE (reflink) and
 * fallocate. All return promises; the work runs on libuv's thread pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "families.h"
#include "napi-util.h"

typedef enum { JOB_COPY, JOB_CLONE, JOB_FALLOCATE } job_kind;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fd_in, fd_out;
  int64_t off_in, off_out, len;
  int mode;
  job_kind kind;
  int64_t copied;
  int err;
} copy_job;

static const char *job_syscall(const copy_job *job) {
  return job->kind == JOB_CLONE ? "ioctl(FICLONE)" : job->kind == JOB_FALLOCATE ? "fallocate" : "copy_file_range";
}

static void run_copy(copy_job *job) {
  loff_t in = job->off_in, out = job->off_out;
  while (job->copied < job->len) {
    ssize_t n = copy_file_range(job->fd_in, &in, job->fd_out, &out, (size_t)(job->len - job->copied), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      job->err = errno;
      return;
    }
    if (n == 0) return; /* end of the source file */
    job->copied += n;
  }
}

static void execute(napi_env env, void *data) {
  copy_job *job = data;
  if (job->kind == JOB_COPY) return run_copy(job);
  int rc = job->kind == JOB_CLONE ? ioctl(job->fd_out, FICLONE, job->fd_in)
                                  : fallocate(job->fd_out, job->mode, job->off_out, job->len);
  if (rc != 0) job->err = errno;
}

static void complete(napi_env env, napi_status status, void *data) {
  copy_job *job = data;
  if (job->err)
    napi_reject_deferred(env, job->deferred, strata_errno_error(env, job->err, job_syscall(job), NULL));
  else
    napi_resolve_deferred(env, job->deferred,
                          job->kind == JOB_COPY ? strata_int64(env, job->copied) : strata_undefined(env));
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value queue_job(napi_env env, copy_job *job) {
  napi_value promise, name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    free(job);
    return strata_throw_type(env, "cannot create promise");
  }
  napi_create_string_utf8(env, job_syscall(job), NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

/* copyFileRange(fdIn, offIn, fdOut, offOut, len) -> Promise<bytes copied> */
static napi_value js_copy_file_range(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd_in, fd_out;
  int64_t off_in, off_out, len;
  if (!strata_arg_int32(&a, 0, &fd_in) || !strata_arg_int64(&a, 1, &off_in) || !strata_arg_int32(&a, 2, &fd_out) ||
      !strata_arg_int64(&a, 3, &off_out) || !strata_arg_int64(&a, 4, &len))
    return NULL;
  if (off_in < 0 || off_out < 0 || len < 0) return strata_throw_errno(env, EINVAL, "copy_file_range", NULL);
  copy_job *job = calloc(1, sizeof *job);
  if (!job) return strata_throw_errno(env, ENOMEM, "copy_file_range", NULL);
  *job = (copy_job){.fd_in = fd_in, .fd_out = fd_out, .off_in = off_in, .off_out = off_out, .len = len, .kind = JOB_COPY};
  return queue_job(env, job);
}

/* ficlone(destFd, srcFd) -> Promise<void>: the whole source shared into dest (reflink) */
static napi_value js_ficlone(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd_out, fd_in;
  if (!strata_arg_int32(&a, 0, &fd_out) || !strata_arg_int32(&a, 1, &fd_in)) return NULL;
  copy_job *job = calloc(1, sizeof *job);
  if (!job) return strata_throw_errno(env, ENOMEM, "ioctl(FICLONE)", NULL);
  *job = (copy_job){.fd_in = fd_in, .fd_out = fd_out, .kind = JOB_CLONE};
  return queue_job(env, job);
}

/* fallocate(fd, mode, offset, len) -> Promise<void> */
static napi_value js_fallocate(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd, mode;
  int64_t offset, len;
  if (!strata_arg_int32(&a, 0, &fd) || !strata_arg_int32(&a, 1, &mode) || !strata_arg_int64(&a, 2, &offset) ||
      !strata_arg_int64(&a, 3, &len))
    return NULL;
  copy_job *job = calloc(1, sizeof *job);
  if (!job) return strata_throw_errno(env, ENOMEM, "fallocate", NULL);
  *job = (copy_job){.fd_out = fd, .mode = mode, .off_out = offset, .len = len, .kind = JOB_FALLOCATE};
  return queue_job(env, job);
}

void strata_init_copy(napi_env env, napi_value exports) {
  static const strata_export list[] = {
      {"copyFileRange", js_copy_file_range}, {"ficlone", js_ficlone}, {"fallocate", js_fallocate}, {NULL, NULL}};
  strata_define(env, exports, list);
}
