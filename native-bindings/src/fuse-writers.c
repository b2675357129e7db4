/*
 * The nodes open for writing, and the SETATTR answers the event-loop reader (fuse-poll.c) gives for
 * them without waking JavaScript. `tar -x` sets each file's owner, mode and times through the file
 * it just made (fchown, fchmod, futimens), and the kernel sends each as a SETATTR without a handle:
 * three trips into JavaScript per file, each doing a syscall on the open file and an fstat. Here
 * those are done on the node's writable descriptor, as ops/attr.ts does them (overlay/setattr.ts:
 * setattrFd), and answered with the same fuse_attr_out.
 * JavaScript owns the handles (daemon/fuse/ops/file.ts): it registers a node's writable descriptor
 * when a handle opened for writing appears, moves the registration to another of the node's
 * writable handles or removes it before that descriptor is closed, and stops the answers while the
 * session is paused (commit). This table is its mirror, never a second owner. Mode, owner, times
 * and the setid drop that comes with a chown (KILL_SUIDGID) are answered (fuse-setattr.c); a size
 * change, or a node not in the table, goes to JavaScript. Node ids are small and dense: the table is an array grown
 * on demand up to STRATA_MAX_NODE_ID.
 * Tests: test/unit/native-bindings/fuse-writers.test.ts, test/integration/fuse-writers.test.ts
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "families.h"
#include "fuse-setattr.h"
#include "fuse-wire.h"
#include "fuse-writers.h"
#include "napi-util.h"
#include "node-table.h"

typedef struct {
  bool open; /* false: none registered */
  int32_t fd;
  uint64_t ino;
} writer;

struct writer_nodes {
  writer *slots;
  size_t nslots;
  uint64_t attr_seconds;
  bool paused;
  double answered;
};

static bool put(writer_nodes *w, uint64_t id, int32_t fd, uint64_t ino) {
  if (fd < 0 && id >= w->nslots) return true;
  if (!strata_cover((void **)&w->slots, &w->nslots, id, sizeof *w->slots)) return false;
  w->slots[id] = (writer){.open = fd >= 0, .fd = fd, .ino = ino};
  return true;
}

bool strata_writers_answer(writer_nodes *w, int fd, const char *req, size_t len) {
  if (!w || w->paused || len < STRATA_IN_HEADER + STRATA_SETATTR_IN) return false;
  if (strata_u32_at(req + 4) != STRATA_FUSE_SETATTR) return false;
  uint64_t id = strata_u64_at(req + 16);
  if (id >= w->nslots || !w->slots[id].open) return false;
  if (strata_u32_at(req + STRATA_IN_HEADER) & STRATA_FATTR_SIZE) return false;
  writer node = w->slots[id];
  strata_setattr_target target = {.fd = node.fd, .path = NULL};
  if (!strata_setattr_answer(fd, req, target, node.ino, false, w->attr_seconds)) return false;
  w->answered++;
  return true;
}

/* Marks the externals this file makes, so no other external passes for one. */
static const napi_type_tag WRITERS_TAG = {0x7374726174617772ULL, 0x697465726e6f6465ULL};

static void finalize(napi_env env, void *data, void *hint) {
  writer_nodes *w = data;
  free(w->slots);
  free(w);
}

writer_nodes *strata_writer_nodes_of(napi_env env, napi_value value) {
  return strata_external_of(env, value, &WRITERS_TAG);
}

/* createWriterNodes(attrSeconds): an empty table, freed when JavaScript lets go of it */
static napi_value js_create(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int64_t seconds;
  if (!strata_arg_int64(&a, 0, &seconds)) return NULL;
  if (seconds < 0) return strata_throw_errno(env, EINVAL, "createWriterNodes", NULL);
  writer_nodes *w = calloc(1, sizeof *w);
  if (!w) return strata_throw_errno(env, ENOMEM, "createWriterNodes", NULL);
  w->attr_seconds = (uint64_t)seconds;
  return strata_tagged_external(env, w, finalize, &WRITERS_TAG);
}

static writer_nodes *table_arg(const strata_args *a) {
  writer_nodes *w = a->argc > 0 ? strata_writer_nodes_of(a->env, a->argv[0]) : NULL;
  if (!w) strata_throw_type(a->env, "not a table made by createWriterNodes");
  return w;
}

/* setWriterNode(table, nodeid, fd, ino): fd -1 removes the node */
static napi_value js_set(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  writer_nodes *w = table_arg(&a);
  int64_t id, ino;
  int32_t fd;
  if (!w || !strata_arg_int64(&a, 1, &id) || !strata_arg_int32(&a, 2, &fd) || !strata_arg_int64(&a, 3, &ino))
    return NULL;
  if (id < 0 || fd < -1) return strata_throw_errno(env, EINVAL, "setWriterNode", NULL);
  if ((uint64_t)id >= STRATA_MAX_NODE_ID) return strata_undefined(env);
  if (!put(w, (uint64_t)id, fd, (uint64_t)ino)) return strata_throw_errno(env, ENOMEM, "setWriterNode", NULL);
  return strata_undefined(env);
}

/* pauseWriterNodes(table, paused): no answers while paused */
static napi_value js_pause(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  writer_nodes *w = table_arg(&a);
  if (!w) return NULL;
  return strata_arg_bool(&a, 1, "paused", &w->paused) ? strata_undefined(env) : NULL;
}

/* writerNodeAnswers(table): how many SETATTR the reader answered */
static napi_value js_answers(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  writer_nodes *w = table_arg(&a);
  if (!w) return NULL;
  napi_value out;
  NAPI_OK(env, napi_create_double(env, w->answered, &out));
  return out;
}

void strata_init_fuse_writers(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"createWriterNodes", js_create},
                                       {"setWriterNode", js_set},
                                       {"pauseWriterNodes", js_pause},
                                       {"writerNodeAnswers", js_answers},
                                       {NULL, NULL}};
  strata_define(env, exports, list);
}
