/*
 * Reader threads for /dev/fuse: each blocks in read(2) and queues one request per read; the JS
 * thread receives every queued request in one batch (one wakeup for many requests under load).
 * The readers end on the first hard error (ENODEV once the filesystem is unmounted) or EOF;
 * the callback then gets the end reason after the last batch. EINTR, EAGAIN and ENOENT
 * (a request the kernel withdrew) are retried.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "families.h"
#include "napi-util.h"

typedef struct message {
  struct message *next;
  char *data;
  size_t len;
} message;

typedef struct {
  int fd;
  size_t buf_size;
  napi_threadsafe_function tsfn;
  pthread_mutex_t lock;
  message *head, *tail;
  bool signalled; /* a call for queued messages is pending */
  int alive;
  int end_err; /* 0 with ended = EOF */
  bool ended, end_delivered;
} reader;

static void push(reader *r, message *m) {
  pthread_mutex_lock(&r->lock);
  if (r->tail) r->tail->next = m;
  else r->head = m;
  r->tail = m;
  bool notify = !r->signalled;
  r->signalled = true;
  pthread_mutex_unlock(&r->lock);
  if (notify) napi_call_threadsafe_function(r->tsfn, NULL, napi_tsfn_blocking);
}

static int read_loop(reader *r) {
  char *buf = malloc(r->buf_size);
  if (!buf) return ENOMEM;
  int err = 0;
  for (;;) {
    ssize_t n = read(r->fd, buf, r->buf_size);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT)) continue;
    if (n <= 0) {
      err = n < 0 ? errno : 0;
      break;
    }
    message *m = malloc(sizeof *m);
    char *copy = malloc((size_t)n);
    if (!m || !copy) {
      free(m);
      free(copy);
      err = ENOMEM;
      break;
    }
    memcpy(copy, buf, (size_t)n);
    *m = (message){.data = copy, .len = (size_t)n};
    push(r, m);
  }
  free(buf);
  return err;
}

static void *thread_main(void *arg) {
  reader *r = arg;
  int err = read_loop(r);
  pthread_mutex_lock(&r->lock);
  if (!r->ended && r->end_err == 0) r->end_err = err;
  bool last = --r->alive == 0;
  if (last) r->ended = true;
  pthread_mutex_unlock(&r->lock);
  if (last) napi_call_threadsafe_function(r->tsfn, NULL, napi_tsfn_blocking);
  napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
  return NULL;
}

static void free_message_data(napi_env env, void *data, void *hint) {
  int64_t ignored;
  napi_adjust_external_memory(env, -(int64_t)(uintptr_t)hint, &ignored);
  free(data);
}

static napi_value batch_array(napi_env env, message *m) {
  napi_value arr;
  napi_create_array(env, &arr);
  for (uint32_t i = 0; m; i++) {
    message *next = m->next;
    napi_value buf;
    int64_t ignored;
    napi_create_external_buffer(env, m->len, m->data, free_message_data, (void *)(uintptr_t)m->len, &buf);
    napi_adjust_external_memory(env, (int64_t)m->len, &ignored);
    napi_set_element(env, arr, i, buf);
    free(m);
    m = next;
  }
  return arr;
}

static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  reader *r = context;
  if (!env) return;
  pthread_mutex_lock(&r->lock);
  message *list = r->head;
  r->head = r->tail = NULL;
  r->signalled = false;
  bool deliver_end = r->ended && !r->end_delivered;
  if (deliver_end) r->end_delivered = true;
  int end_err = r->end_err;
  pthread_mutex_unlock(&r->lock);
  if (!list && !deliver_end) return;
  napi_value args[2], global;
  args[0] = batch_array(env, list);
  if (!deliver_end) napi_get_null(env, &args[1]);
  else napi_create_string_utf8(env, end_err ? uv_err_name(-end_err) : "EOF", NAPI_AUTO_LENGTH, &args[1]);
  napi_get_global(env, &global);
  napi_call_function(env, global, cb, 2, args, NULL);
}

static void finalize_reader(napi_env env, void *data, void *hint) {
  reader *r = data;
  pthread_mutex_destroy(&r->lock);
  free(r);
}

static bool start_threads(reader *r, int32_t count) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old); /* readers inherit a full mask: signals stay with Node */
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  bool ok = true;
  for (int32_t i = 0; i < count; i++) {
    pthread_t tid;
    if (pthread_create(&tid, &attr, thread_main, r) != 0) {
      ok = false;
      pthread_mutex_lock(&r->lock);
      r->alive -= count - i;
      pthread_mutex_unlock(&r->lock);
      for (int32_t j = i; j < count; j++) napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
      break;
    }
  }
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return ok;
}

/* startFuseReader(fd, threads, bufSize, onBatch(requests: Buffer[], end: string | null)) */
static napi_value js_start_reader(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int32_t fd, threads;
  uint32_t buf_size;
  napi_valuetype cb_type;
  if (!strata_arg_int32(&a, 0, &fd) || !strata_arg_int32(&a, 1, &threads) || !strata_arg_uint32(&a, 2, &buf_size))
    return NULL;
  if (a.argc < 4 || napi_typeof(env, a.argv[3], &cb_type) != napi_ok || cb_type != napi_function)
    return strata_throw_type(env, "onBatch must be a function");
  if (threads < 1 || threads > 64 || buf_size < 4096) return strata_throw_errno(env, EINVAL, "startFuseReader", NULL);
  reader *r = calloc(1, sizeof *r);
  if (!r) return strata_throw_errno(env, ENOMEM, "startFuseReader", NULL);
  *r = (reader){.fd = fd, .buf_size = buf_size, .alive = threads};
  pthread_mutex_init(&r->lock, NULL);
  napi_value name;
  napi_create_string_utf8(env, "strata:fuse-reader", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, a.argv[3], NULL, name, 0, (size_t)threads, r, finalize_reader, r, call_js,
                                      &r->tsfn) != napi_ok) {
    pthread_mutex_destroy(&r->lock);
    free(r);
    return strata_throw_type(env, "cannot create the reader's threadsafe function");
  }
  if (!start_threads(r, threads)) return strata_throw_errno(env, EAGAIN, "pthread_create", NULL);
  return strata_undefined(env);
}

void strata_init_fuse_reader(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"startFuseReader", js_start_reader}, {NULL, NULL}};
  strata_define(env, exports, list);
}
