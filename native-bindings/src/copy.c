/*
 * Data work off the JS thread: copy_file_range (a loop until len or EOF), the same copy keeping
 * the source's holes (SEEK_DATA/SEEK_HOLE around it), FICLONE (reflink) and fallocate. All return
 * promises; the work runs on libuv's thread pool. Also, synchronous: a file's data segments
 * (where SEEK_DATA/SEEK_HOLE find data), for the sparse entries of the tars strata writes.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "families.h"
#include "napi-util.h"

typedef enum { JOB_COPY, JOB_COPY_SPARSE, JOB_CLONE, JOB_FALLOCATE } job_kind;

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

/* Copies [in, in + len) to out, adding to job->copied; false after an error (job->err) or at EOF. */
static bool copy_range(copy_job *job, loff_t in, loff_t out, int64_t len) {
  for (int64_t done = 0; done < len;) {
    ssize_t n = copy_file_range(job->fd_in, &in, job->fd_out, &out, (size_t)(len - done), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) job->err = errno;
    if (n <= 0) return false; /* an error, or the end of the source file */
    done += n;
    job->copied += n;
  }
  return true;
}

static void run_copy(copy_job *job) { copy_range(job, job->off_in, job->off_out, job->len); }

/*
 * Where the next data of fd at or after off starts (*data) and ends (*hole, the next hole), clipped
 * to end. Returns 0, -1 when only a hole is left before end, or an errno. A filesystem that cannot
 * tell (EINVAL) has data everywhere.
 */
static int next_data(int fd, int64_t off, int64_t end, int64_t *data, int64_t *hole) {
  off_t d = lseek(fd, off, SEEK_DATA);
  if (d < 0 && errno == ENXIO) return -1;
  if (d < 0 && errno == EINVAL) {
    *data = off, *hole = end;
    return 0;
  }
  if (d < 0) return errno;
  if (d >= end) return -1;
  off_t h = lseek(fd, d, SEEK_HOLE);
  if (h < 0) return errno;
  *data = d, *hole = h < end ? h : end;
  return 0;
}

/*
 * The first len bytes of fd_in into the (new, empty) fd_out at the same offsets, holes left as
 * holes, then fd_out made len long. `copied` ends as len, or as the source's size if it is now
 * shorter (the caller checks it, as for a plain copy).
 */
static void run_copy_sparse(copy_job *job) {
  int64_t data = 0, hole = 0;
  for (int64_t off = 0; off < job->len; off = hole) {
    int rc = next_data(job->fd_in, off, job->len, &data, &hole);
    if (rc > 0) job->err = rc;
    if (rc != 0) break;
    if (!copy_range(job, data, data, hole - data)) break;
  }
  if (job->err) return;
  struct stat st;
  if (ftruncate(job->fd_out, job->len) != 0 || fstat(job->fd_in, &st) != 0) {
    job->err = errno;
    return;
  }
  job->copied = st.st_size < job->len ? st.st_size : job->len;
}

static void execute(napi_env env, void *data) {
  copy_job *job = data;
  if (job->kind == JOB_COPY) return run_copy(job);
  if (job->kind == JOB_COPY_SPARSE) return run_copy_sparse(job);
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
                          job->kind == JOB_COPY || job->kind == JOB_COPY_SPARSE ? strata_int64(env, job->copied)
                                                                                : strata_undefined(env));
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value queue_job(napi_env env, copy_job *job) {
  napi_value promise = strata_queue_promise(env, job_syscall(job), execute, complete, job, &job->work, &job->deferred);
  if (!promise) free(job);
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

/* copySparse(fdIn, fdOut, len) -> Promise<len, or the source's size if shorter>: holes kept */
static napi_value js_copy_sparse(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd_in, fd_out;
  int64_t len;
  if (!strata_arg_int32(&a, 0, &fd_in) || !strata_arg_int32(&a, 1, &fd_out) || !strata_arg_int64(&a, 2, &len))
    return NULL;
  if (len < 0) return strata_throw_errno(env, EINVAL, "copy_file_range", NULL);
  copy_job *job = calloc(1, sizeof *job);
  if (!job) return strata_throw_errno(env, ENOMEM, "copy_file_range", NULL);
  *job = (copy_job){.fd_in = fd_in, .fd_out = fd_out, .len = len, .kind = JOB_COPY_SPARSE};
  return queue_job(env, job);
}

/*
 * dataSegments(fd, len, max) -> [offset, length, offset, length, ...]: the data of the first len
 * bytes, in order. At most max segments: once there are max, the last one grows to the end of the
 * last data (the holes between are read as zeros), so a map never outgrows what readers accept.
 */
static napi_value js_data_segments(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd;
  int64_t len, max;
  if (!strata_arg_int32(&a, 0, &fd) || !strata_arg_int64(&a, 1, &len) || !strata_arg_int64(&a, 2, &max)) return NULL;
  if (len < 0 || max < 1) return strata_throw_errno(env, EINVAL, "lseek", NULL);
  napi_value out;
  NAPI_OK(env, napi_create_array(env, &out));
  uint32_t count = 0;
  int64_t data = 0, hole = 0, start = 0;
  for (int64_t off = 0; off < len; off = hole) {
    int rc = next_data(fd, off, len, &data, &hole);
    if (rc > 0) return strata_throw_errno(env, rc, "lseek", NULL);
    if (rc < 0) break;
    if (count < max) start = data, count++;
    NAPI_OK(env, napi_set_element(env, out, 2 * (count - 1), strata_int64(env, start)));
    NAPI_OK(env, napi_set_element(env, out, 2 * (count - 1) + 1, strata_int64(env, hole - start)));
  }
  return out;
}

/* seekData(fd, offset, whence) -> number: lseek(2) with SEEK_DATA (3) or SEEK_HOLE (4) only, the
 * questions a FUSE LSEEK asks of a backing file (ENXIO past the end, as lseek says) */
static napi_value js_seek_data(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd, whence;
  int64_t offset;
  if (!strata_arg_int32(&a, 0, &fd) || !strata_arg_int64(&a, 1, &offset) || !strata_arg_int32(&a, 2, &whence))
    return NULL;
  if (whence != SEEK_DATA && whence != SEEK_HOLE) return strata_throw_errno(env, EINVAL, "lseek", NULL);
  off_t at = lseek(fd, offset, whence);
  if (at < 0) return strata_throw_errno(env, errno, "lseek", NULL);
  return strata_int64(env, at);
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
      {"copyFileRange", js_copy_file_range},
      {"copySparse", js_copy_sparse},
      {"dataSegments", js_data_segments},
      {"seekData", js_seek_data},
      {"ficlone", js_ficlone},
      {"fallocate", js_fallocate},
      {NULL, NULL}};
  strata_define(env, exports, list);
}
