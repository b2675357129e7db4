/*
 * A /dev/fuse reader on the JS thread's own event loop: the fd is made non-blocking and watched
 * with uv_poll; when it is readable, the requests waiting are read (up to a batch limit, so timers
 * and other I/O still get their turn; one at a time while they come one at a time) and handed to
 * JS in one call, on this thread.
 * Against reader threads (fuse-reader.c) this saves the hop between threads on every request:
 * the kernel wakes the JS thread itself, so a serial workload (tar, rm -rf, ls -l) waits for one
 * wakeup per request, not two. The batch ends with the end reason when read(2) fails for good
 * (ENODEV once unmounted); EINTR retries, ENOENT (a request the kernel withdrew) is skipped.
 * Given a set of bare nodes (fuse-bare.c), it answers their GETXATTR and LISTXATTR itself; given the
 * table of nodes open for writing (fuse-writers.c), their plain SETATTR; given the table of upper
 * directories (fuse-dirs.c), their GETATTR and the LOOKUPs that find nothing. JS gets the rest.
 * Tests: test/unit/native-bindings/fuse-poll.test.ts, test/integration/fuse-worker.test.ts
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "families.h"
#include "fuse-bare.h"
#include "fuse-dirs.h"
#include "fuse-writers.h"
#include "napi-util.h"

/* Requests read per wakeup at most; the rest wait for the next turn of the loop. */
#define BATCH_MAX 128
/* While requests come one at a time, one wakeup in this many tries a second read (see read_batch). */
#define PROBE_EVERY 16

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  /* the bare nodes' set, kept alive by `bare_ref` while the poller lives; may be NULL */
  bare_nodes *bare;
  napi_ref bare_ref;
  /* the nodes open for writing, kept alive by `writers_ref`; may be NULL */
  writer_nodes *writers;
  napi_ref writers_ref;
  /* the directories known in upper/, kept alive by `dirs_ref`; may be NULL */
  dir_nodes *dirs;
  napi_ref dirs_ref;
  napi_async_context async;
  int fd;
  char *buf;
  size_t buf_size;
  bool ended;
  /* the last batch found more than one request waiting: read until EAGAIN */
  bool draining;
  uint32_t wakeups;
} poller;

static void free_poller(uv_handle_t *handle) {
  poller *p = handle->data;
  free(p->buf);
  free(p);
}

/*
 * Reads what is waiting: returns how many requests went into `batch`, 0 with *end set when done.
 * A serial caller (tar, rm -rf, ls -l) has one request in flight, so reading on until EAGAIN costs
 * a failed read(2) per request. So while batches hold one request, only the first read is made
 * (epoll is level-triggered: a request left waiting wakes the loop again at once), and every
 * PROBE_EVERY-th wakeup reads on to find out whether requests now come several at a time.
 */
static uint32_t read_batch(poller *p, napi_value batch, const char **end) {
  uint32_t n = 0;
  uint32_t limit = p->draining || ++p->wakeups % PROBE_EVERY == 0 ? BATCH_MAX : 1;
  /* requests answered here do not count against `limit` (the caller is likely to send its next
   * one at once), but reads do against BATCH_MAX, so a stream of them cannot starve the loop */
  for (uint32_t reads = 0; n < limit && reads < BATCH_MAX; reads++) {
    ssize_t len = read(p->fd, p->buf, p->buf_size);
    if (len < 0 && errno == EINTR) continue;
    if (len < 0 && errno == ENOENT) continue;
    if (len < 0 && errno == EAGAIN) break;
    if (len <= 0) {
      *end = len < 0 ? uv_err_name(-errno) : "EOF";
      break;
    }
    if (strata_bare_answer(p->bare, p->fd, p->buf, (size_t)len)) continue;
    if (strata_writers_answer(p->writers, p->fd, p->buf, (size_t)len)) continue;
    if (strata_dirs_answer(p->dirs, p->fd, p->buf, (size_t)len)) continue;
    napi_value buf;
    if (napi_create_buffer_copy(p->env, (size_t)len, p->buf, NULL, &buf) != napi_ok) {
      *end = "ENOMEM";
      break;
    }
    napi_set_element(p->env, batch, n++, buf);
  }
  if (limit > 1) p->draining = n > 1;
  return n;
}

static void release_refs(poller *p) {
  napi_delete_reference(p->env, p->callback);
  if (p->bare_ref) napi_delete_reference(p->env, p->bare_ref);
  if (p->writers_ref) napi_delete_reference(p->env, p->writers_ref);
  if (p->dirs_ref) napi_delete_reference(p->env, p->dirs_ref);
  napi_async_destroy(p->env, p->async);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  poller *p = handle->data;
  if (p->ended) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  /* libuv reports POLLERR (the connection aborted by an unmount) as UV_EBADF: the read that
   * follows tells the kernel's own reason (ENODEV), which is what the session ends with */
  const char *end = NULL;
  napi_value batch, args[2], cb, global;
  napi_create_array(env, &batch);
  uint32_t n = read_batch(p, batch, &end);
  if (!end && status < 0) end = uv_err_name(status);
  if (n == 0 && !end) { /* everything read was answered here (or nothing was waiting) */
    napi_close_handle_scope(env, scope);
    return;
  }
  if (end) {
    p->ended = true;
    uv_poll_stop(&p->poll);
    napi_create_string_utf8(env, end, NAPI_AUTO_LENGTH, &args[1]);
  } else {
    napi_get_null(env, &args[1]);
  }
  args[0] = batch;
  napi_get_reference_value(env, p->callback, &cb);
  napi_get_global(env, &global);
  /* make_callback: the microtasks the handlers queue (their awaits) run before control returns */
  napi_make_callback(env, p->async, global, cb, 2, args, NULL);
  if (end) {
    release_refs(p);
    uv_close((uv_handle_t *)&p->poll, free_poller);
  }
  napi_close_handle_scope(env, scope);
}

/*
 * The answerers' tables passed after onBatch (bare nodes, writers, directories), each held by a
 * reference while the poller lives; NULL, or what is wrong with an argument (the caller throws it).
 */
static const char *take_tables(napi_env env, const strata_args *a, poller *p) {
  if (a->argc > 3 && (!(p->bare = strata_bare_nodes_of(env, a->argv[3])) ||
                      napi_create_reference(env, a->argv[3], 1, &p->bare_ref) != napi_ok))
    return "bareNodes must be a set made by createBareNodes";
  if (a->argc > 4 && (!(p->writers = strata_writer_nodes_of(env, a->argv[4])) ||
                      napi_create_reference(env, a->argv[4], 1, &p->writers_ref) != napi_ok))
    return "writerNodes must be a table made by createWriterNodes";
  if (a->argc > 5 && (!(p->dirs = strata_dir_nodes_of(env, a->argv[5])) ||
                      napi_create_reference(env, a->argv[5], 1, &p->dirs_ref) != napi_ok))
    return "dirNodes must be a table made by createDirNodes";
  return NULL;
}

/* startFusePoll(fd, bufSize, onBatch(requests: Buffer[], end: string | null)
 *               [, bareNodes[, writerNodes[, dirNodes]]]) */
static napi_value js_start_poll(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd;
  uint32_t buf_size;
  napi_valuetype cb_type;
  if (!strata_arg_int32(&a, 0, &fd) || !strata_arg_uint32(&a, 1, &buf_size)) return NULL;
  if (a.argc < 3 || napi_typeof(env, a.argv[2], &cb_type) != napi_ok || cb_type != napi_function)
    return strata_throw_type(env, "onBatch must be a function");
  if (buf_size < 4096) return strata_throw_errno(env, EINVAL, "startFusePoll", NULL);
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return strata_throw_errno(env, errno, "fcntl", NULL);
  struct uv_loop_s *loop;
  NAPI_OK(env, napi_get_uv_event_loop(env, &loop));
  poller *p = calloc(1, sizeof *p);
  char *buf = malloc(buf_size);
  if (!p || !buf) {
    free(p);
    free(buf);
    return strata_throw_errno(env, ENOMEM, "startFusePoll", NULL);
  }
  *p = (poller){.env = env, .fd = fd, .buf = buf, .buf_size = buf_size};
  p->poll.data = p;
  const char *bad = take_tables(env, &a, p);
  int err = bad ? 0 : uv_poll_init(loop, &p->poll, fd);
  if (bad || err < 0) {
    if (p->bare_ref) napi_delete_reference(env, p->bare_ref);
    if (p->writers_ref) napi_delete_reference(env, p->writers_ref);
    if (p->dirs_ref) napi_delete_reference(env, p->dirs_ref);
    free(buf);
    free(p);
    return bad ? strata_throw_type(env, bad) : strata_throw_errno(env, -err, "uv_poll_init", NULL);
  }
  napi_value name;
  napi_create_string_utf8(env, "strata:fuse-poll", NAPI_AUTO_LENGTH, &name);
  NAPI_OK(env, napi_create_reference(env, a.argv[2], 1, &p->callback));
  NAPI_OK(env, napi_async_init(env, NULL, name, &p->async));
  err = uv_poll_start(&p->poll, UV_READABLE, on_readable);
  if (err < 0) {
    release_refs(p);
    uv_close((uv_handle_t *)&p->poll, free_poller);
    return strata_throw_errno(env, -err, "uv_poll_start", NULL);
  }
  return strata_undefined(env);
}

void strata_init_fuse_poll(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"startFusePoll", js_start_poll}, {NULL, NULL}};
  strata_define(env, exports, list);
}
