/*
 * A /dev/fuse reader on the JS thread's own event loop: the fd is made non-blocking and watched
 * with uv_poll; when it is readable, the requests waiting are read (up to a batch limit, so timers
 * and other I/O still get their turn; one at a time while they come one at a time) and handed to
 * JS in one call, on this thread.
 * Against reader threads (fuse-reader.c) this saves the hop between threads on every request:
 * the kernel wakes the JS thread itself, so a serial workload (tar, rm -rf, ls -l) waits for one
 * wakeup per request, not two. The batch ends with the end reason when read(2) fails for good
 * (ENODEV once unmounted); EINTR retries, ENOENT (a request the kernel withdrew) is skipped.
 * After a turn that answered everything it read, it waits for the next request by reading again
 * for up to `spin` µs before it goes back to the loop: a serial caller sends its next request
 * within a few µs, and a reader that sleeps in epoll must be woken for it, which costs a virtual
 * machine's CPU more than the whole answer (a chmod answered here: 80 µs a call sleeping, 25 µs
 * spinning). Not while a request handed to JavaScript waits for the loop (JS counts those in
 * `busy`): spinning would only delay it. A turn lasts at most TURN_NS, so timers and other I/O
 * still get their turn while requests keep coming.
 * Given a set of bare nodes (fuse-bare.c), it answers their GETXATTR and LISTXATTR itself; given the
 * table of nodes open for writing (fuse-writers.c), their plain SETATTR; given the table of nodes
 * in upper/ (fuse-upper.c), their GETATTR, a regular file's SETATTR, the LOOKUPs that find
 * nothing, the listings and removals in upper-only directories (a removal's note for JS goes into
 * the batch in its place). JS gets the rest. Given a Float64Array of timings, each answer given here
 * is timed, from the end of its read(2) to the end of its reply, into a histogram per opcode in the
 * layout of daemon/fuse/reader-timings.ts (the same buckets as the JS answers' op-stats.ts).
 * Tests: test/unit/native-bindings/fuse-poll.test.ts, test/integration/fuse-worker.test.ts
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "families.h"
#include "fuse-bare.h"
#include "fuse-upper.h"
#include "fuse-wire.h"
#include "fuse-writers.h"
#include "napi-util.h"

/* Requests read per wakeup at most; the rest wait for the next turn of the loop. */
#define BATCH_MAX 128
/* While requests come one at a time, one wakeup in this many tries a second read (see read_batch). */
#define PROBE_EVERY 16
/* The longest a turn on the loop goes on reading and spinning while requests keep coming. */
#define TURN_NS 2000000
/* The longest spin startFusePoll takes: a request's whole answer costs less. */
#define MAX_SPIN_US 1000
/* The timings' layout (reader-timings.ts): a row per opcode below TIMED_OPCODES, each the total µs
 * then TIMING_BUCKETS counts; bucket b holds durations up to BASE_US * 2^((b + 1) / PER_DOUBLING). */
#define TIMED_OPCODES 64
#define PER_DOUBLING 16
#define TIMING_BUCKETS (PER_DOUBLING * 34)
#define BASE_US 0.1
#define TIMING_CELLS (TIMED_OPCODES * (1 + TIMING_BUCKETS))
_Static_assert(TIMING_CELLS == 64 * (1 + 544), "the timings' size in take_tables' message");

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
  /* JavaScript's count of requests waiting for the loop (an Int32Array's cell, kept alive by `busy_ref`) */
  const int32_t *busy;
  napi_ref busy_ref;
  /* the nodes known in upper/, kept alive by `upper_ref`; may be NULL */
  upper_nodes *upper;
  napi_ref upper_ref;
  /* TIMING_CELLS doubles (a Float64Array kept alive by `timings_ref`); may be NULL */
  double *timings;
  napi_ref timings_ref;
  napi_async_context async;
  int fd;
  char *buf;
  size_t buf_size;
  /* a request read while spinning, waiting in buf for the next read_batch; 0: none */
  size_t pending;
  uint64_t spin_ns;
  /* requests answered here so far (wraps) */
  uint32_t answered;
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

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Counts the answer to the request in buf, begun at `start_ns`, in its opcode's row of the timings. */
static void time_answer(poller *p, uint64_t start_ns) {
  uint32_t opcode = strata_u32_at(p->buf + 4);
  if (!p->timings || opcode >= TIMED_OPCODES) return;
  double us = (double)(now_ns() - start_ns) / 1000.0;
  double bucket = us <= BASE_US ? 0 : floor(log2(us / BASE_US) * PER_DOUBLING);
  double *row = p->timings + (size_t)opcode * (1 + TIMING_BUCKETS);
  row[0] += us;
  row[1 + (bucket < TIMING_BUCKETS - 1 ? (size_t)bucket : TIMING_BUCKETS - 1)] += 1;
}

/*
 * Whether one of the answerers answered the request in buf; a note for JavaScript goes into the
 * batch first. false with *end set when a note could not be made: JavaScript would go on resolving
 * a name that is gone, so the session ends.
 */
static bool answer_here(poller *p, size_t len, napi_value batch, uint32_t *n, const char **end) {
  char note[STRATA_NOTE_MAX];
  bool noted = false;
  if (strata_bare_answer(p->bare, p->fd, p->buf, len) || strata_writers_answer(p->writers, p->fd, p->buf, len))
    return true;
  bool answered = strata_upper_answer(p->upper, p->bare, p->fd, p->buf, len, note, &noted);
  napi_value buf;
  if (!noted) return answered;
  if (napi_create_buffer_copy(p->env, strata_u32_at(note), note, NULL, &buf) != napi_ok ||
      napi_set_element(p->env, batch, *n, buf) != napi_ok) {
    *end = "ENOMEM";
    return false;
  }
  (*n)++;
  return answered;
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
    ssize_t len = p->pending ? (ssize_t)p->pending : read(p->fd, p->buf, p->buf_size);
    p->pending = 0;
    if (len < 0 && errno == EINTR) continue;
    if (len < 0 && errno == ENOENT) continue;
    if (len < 0 && errno == EAGAIN) break;
    if (len <= 0) {
      *end = len < 0 ? uv_err_name(-errno) : "EOF";
      break;
    }
    uint64_t start_ns = p->timings ? now_ns() : 0;
    if (answer_here(p, (size_t)len, batch, &n, end)) {
      p->answered++;
      if (p->timings) time_answer(p, start_ns);
      continue;
    }
    if (*end) break;
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

/*
 * Reads until a request comes or `spin_ns` passes: true with it in buf (p->pending), or when read
 * failed otherwise (the next read_batch finds out why); false when nothing came.
 */
static bool spin_for_request(poller *p) {
  uint64_t until = now_ns() + p->spin_ns;
  do {
    ssize_t len = read(p->fd, p->buf, p->buf_size);
    if (len > 0) {
      p->pending = (size_t)len;
      return true;
    }
    if (len == 0 || (errno != EAGAIN && errno != EINTR && errno != ENOENT)) return true;
  } while (now_ns() < until);
  return false;
}

static void release_refs(poller *p) {
  napi_delete_reference(p->env, p->callback);
  napi_delete_reference(p->env, p->busy_ref);
  if (p->bare_ref) napi_delete_reference(p->env, p->bare_ref);
  if (p->writers_ref) napi_delete_reference(p->env, p->writers_ref);
  if (p->upper_ref) napi_delete_reference(p->env, p->upper_ref);
  if (p->timings_ref) napi_delete_reference(p->env, p->timings_ref);
  napi_async_destroy(p->env, p->async);
}

/* Hands a batch (and the end reason, if any) to JavaScript; its microtasks run before this returns. */
static void deliver(poller *p, napi_value batch, const char *end) {
  napi_env env = p->env;
  napi_value args[2], cb, global;
  if (end) napi_create_string_utf8(env, end, NAPI_AUTO_LENGTH, &args[1]);
  else napi_get_null(env, &args[1]);
  args[0] = batch;
  napi_get_reference_value(env, p->callback, &cb);
  napi_get_global(env, &global);
  napi_make_callback(env, p->async, global, cb, 2, args, NULL);
}

/*
 * One batch: read, answered here or handed to JavaScript. The end reason when the session ended,
 * else NULL; *idle when nothing at all was read.
 */
static const char *one_batch(poller *p, int status, bool *idle) {
  napi_env env = p->env;
  napi_handle_scope scope;
  *idle = true;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return NULL; /* epoll is level-triggered: it comes back */
  /* libuv reports POLLERR (the connection aborted by an unmount) as UV_EBADF: the read that
   * follows tells the kernel's own reason (ENODEV), which is what the session ends with */
  const char *end = NULL;
  napi_value batch;
  napi_create_array(env, &batch);
  uint32_t answered_before = p->answered;
  uint32_t n = read_batch(p, batch, &end);
  if (!end && status < 0) end = uv_err_name(status);
  *idle = n == 0 && p->answered == answered_before;
  if (end) {
    p->ended = true;
    uv_poll_stop(&p->poll); /* before JavaScript hears of the end (it may close the fd) */
  }
  if (n > 0 || end) deliver(p, batch, end);
  napi_close_handle_scope(env, scope);
  return end;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  poller *p = handle->data;
  if (p->ended) return;
  uint64_t turn_end = p->spin_ns ? now_ns() + TURN_NS : 0;
  const char *end;
  bool idle;
  while (!(end = one_batch(p, status, &idle)) && !idle && p->spin_ns && *p->busy == 0 && now_ns() < turn_end &&
         spin_for_request(p))
    status = 0;
  if (!end) return;
  release_refs(p);
  uv_close((uv_handle_t *)&p->poll, free_poller);
}

/* The timings' cells, or NULL when `value` is not a Float64Array of TIMING_CELLS. */
static double *timing_cells(napi_env env, napi_value value) {
  void *data = NULL;
  size_t length = 0;
  return strata_typed_array(env, value, napi_float64_array, &data, &length) && length == TIMING_CELLS ? data : NULL;
}

/*
 * The answerers' tables passed after onBatch (bare nodes, writers, upper nodes) and the timings,
 * each held by a reference while the poller lives; NULL, or what is wrong with an argument (the
 * caller throws it).
 */
static const char *take_tables(napi_env env, const strata_args *a, poller *p) {
  if (a->argc > 5 && (!(p->bare = strata_bare_nodes_of(env, a->argv[5])) ||
                      napi_create_reference(env, a->argv[5], 1, &p->bare_ref) != napi_ok))
    return "bareNodes must be a set made by createBareNodes";
  if (a->argc > 6 && (!(p->writers = strata_writer_nodes_of(env, a->argv[6])) ||
                      napi_create_reference(env, a->argv[6], 1, &p->writers_ref) != napi_ok))
    return "writerNodes must be a table made by createWriterNodes";
  if (a->argc > 7 && (!(p->upper = strata_upper_nodes_of(env, a->argv[7])) ||
                      napi_create_reference(env, a->argv[7], 1, &p->upper_ref) != napi_ok))
    return "upperNodes must be a table made by createUpperNodes";
  if (a->argc > 8 && (!(p->timings = timing_cells(env, a->argv[8])) ||
                      napi_create_reference(env, a->argv[8], 1, &p->timings_ref) != napi_ok))
    return "timings must be a Float64Array of 64 * (1 + 544) cells";
  return NULL;
}

/* The first cell of an Int32Array, or NULL when `value` is not one with a cell. */
static const int32_t *busy_cell(napi_env env, napi_value value) {
  void *data = NULL;
  size_t length = 0;
  return strata_typed_array(env, value, napi_int32_array, &data, &length) && length >= 1 ? data : NULL;
}

/* startFusePoll(fd, bufSize, spinUs, busy: Int32Array, onBatch(requests: Buffer[], end: string | null)
 *               [, bareNodes[, writerNodes[, upperNodes[, timings: Float64Array]]]]) */
static napi_value js_start_poll(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd;
  uint32_t buf_size, spin_us;
  napi_valuetype cb_type;
  if (!strata_arg_int32(&a, 0, &fd) || !strata_arg_uint32(&a, 1, &buf_size) || !strata_arg_uint32(&a, 2, &spin_us))
    return NULL;
  const int32_t *busy = a.argc > 3 ? busy_cell(env, a.argv[3]) : NULL;
  if (!busy) return strata_throw_type(env, "busy must be an Int32Array");
  if (a.argc < 5 || napi_typeof(env, a.argv[4], &cb_type) != napi_ok || cb_type != napi_function)
    return strata_throw_type(env, "onBatch must be a function");
  if (buf_size < 4096 || spin_us > MAX_SPIN_US) return strata_throw_errno(env, EINVAL, "startFusePoll", NULL);
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
  *p = (poller){.env = env, .fd = fd, .buf = buf, .buf_size = buf_size, .busy = busy};
  p->spin_ns = (uint64_t)spin_us * 1000;
  p->poll.data = p;
  const char *bad = take_tables(env, &a, p);
  int err = bad ? 0 : uv_poll_init(loop, &p->poll, fd);
  if (bad || err < 0) {
    if (p->bare_ref) napi_delete_reference(env, p->bare_ref);
    if (p->writers_ref) napi_delete_reference(env, p->writers_ref);
    if (p->upper_ref) napi_delete_reference(env, p->upper_ref);
    if (p->timings_ref) napi_delete_reference(env, p->timings_ref);
    free(buf);
    free(p);
    return bad ? strata_throw_type(env, bad) : strata_throw_errno(env, -err, "uv_poll_init", NULL);
  }
  napi_value name;
  napi_create_string_utf8(env, "strata:fuse-poll", NAPI_AUTO_LENGTH, &name);
  NAPI_OK(env, napi_create_reference(env, a.argv[4], 1, &p->callback));
  NAPI_OK(env, napi_create_reference(env, a.argv[3], 1, &p->busy_ref));
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
