/*
 * The directories known to live in upper/, and what the event-loop reader (fuse-poll.c) answers for
 * them without waking JavaScript: GETATTR (the kernel asks for a directory's attributes after every
 * entry made or removed in it: `tar -x` and `rm -rf` once per file) and a LOOKUP that finds nothing
 * in a directory no lower layer shows (every new name `tar -x` or a package manager makes is looked
 * up first). The answers are the ones ops/attr.ts and ops/entry.ts give: the directory's lstat with
 * the node's own inode number (nlink 1 for a directory merged with a lower one, as overlayfs), and a
 * negative entry for a name upper/ does not have. Anything else (a name that is there, an lstat
 * that fails, a name JavaScript would refuse) goes to JavaScript.
 * JavaScript owns the knowledge (daemon/fuse/dir-mirror.ts): it registers a directory node with
 * its upper path when it resolves one, and takes it out before that node's name changes (rename,
 * rmdir, FORGET), so the path here is always the node's. Node ids are small and dense: the table is
 * an array grown on demand up to STRATA_MAX_NODE_ID.
 * Tests: test/unit/native-bindings/fuse-dirs.test.ts, test/integration/fuse-dirs.test.ts
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "families.h"
#include "fuse-dirs.h"
#include "fuse-wire.h"
#include "napi-util.h"
#include "node-table.h"

#define FUSE_LOOKUP 1
#define FUSE_GETATTR 3
#define ENTRY_OUT 128
#define NAME_MAX_BYTES 255

typedef struct {
  char *path; /* NULL: not known */
  uint64_t ino;
  bool lower; /* merged with a lower directory: nlink 1, and a missing upper name may still show */
} dir_node;

struct dir_nodes {
  dir_node *slots;
  size_t nslots;
  uint64_t attr_seconds;
  uint64_t entry_seconds;
  double answered_getattr;
  double answered_lookup;
};

static const dir_node *known(const dir_nodes *d, uint64_t id) {
  return id < d->nslots && d->slots[id].path ? &d->slots[id] : NULL;
}

static bool put(dir_nodes *d, uint64_t id, char *path, uint64_t ino, bool lower) {
  if (!path && id >= d->nslots) return true;
  if (!strata_cover((void **)&d->slots, &d->nslots, id, sizeof *d->slots)) return false;
  free(d->slots[id].path);
  d->slots[id] = (dir_node){.path = path, .ino = ino, .lower = lower};
  return true;
}

static bool answer_getattr(dir_nodes *d, int fd, const char *req, const dir_node *n) {
  struct stat st;
  if (lstat(n->path, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  char out[STRATA_OUT_HEADER + STRATA_ATTR_OUT] = {0};
  strata_out_header(out, sizeof out, 0, req);
  /* nlink 1 for a directory merged with a lower one, as overlayfs (overlay.ts attrOf) */
  strata_attr_out(out + STRATA_OUT_HEADER, d->attr_seconds, &st, n->ino, n->lower ? 1 : (uint32_t)st.st_nlink);
  if (!strata_fuse_reply(fd, out, sizeof out)) return false;
  d->answered_getattr++;
  return true;
}

/* The name a LOOKUP asks for, if it is one JavaScript would look up (path.ts checkName, childPath). */
static const char *plain_name(const char *req, size_t len) {
  const char *name = req + STRATA_IN_HEADER;
  size_t room = len - STRATA_IN_HEADER;
  const char *end = memchr(name, '\0', room);
  size_t n = end ? (size_t)(end - name) : 0;
  if (n == 0 || n > NAME_MAX_BYTES || memchr(name, '/', n)) return NULL;
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return NULL;
  return name;
}

static bool answer_lookup(dir_nodes *d, int fd, const char *req, size_t len, const dir_node *n) {
  if (n->lower) return false;
  const char *name = plain_name(req, len);
  if (!name) return false;
  char path[PATH_MAX];
  struct stat st;
  if (snprintf(path, sizeof path, "%s/%s", n->path, name) >= (int)sizeof path) return false;
  if (lstat(path, &st) == 0 || errno != ENOENT) return false;
  /* a negative entry: node id 0, cached for the entry timeout, no attributes */
  char out[STRATA_OUT_HEADER + ENTRY_OUT] = {0};
  strata_out_header(out, sizeof out, 0, req);
  strata_put64(out + STRATA_OUT_HEADER + 16, d->entry_seconds);
  if (!strata_fuse_reply(fd, out, sizeof out)) return false;
  d->answered_lookup++;
  return true;
}

bool strata_dirs_answer(dir_nodes *d, int fd, const char *req, size_t len) {
  if (!d || len < STRATA_IN_HEADER + 1) return false;
  uint32_t opcode = strata_u32_at(req + 4);
  if (opcode != FUSE_GETATTR && opcode != FUSE_LOOKUP) return false;
  const dir_node *n = known(d, strata_u64_at(req + 16));
  if (!n) return false;
  return opcode == FUSE_GETATTR ? answer_getattr(d, fd, req, n) : answer_lookup(d, fd, req, len, n);
}

/* Marks the externals this file makes, so no other external passes for one. */
static const napi_type_tag DIRS_TAG = {0x7374726174616469ULL, 0x72736e6f64657321ULL};

static void finalize(napi_env env, void *data, void *hint) {
  dir_nodes *d = data;
  for (size_t i = 0; i < d->nslots; i++) free(d->slots[i].path);
  free(d->slots);
  free(d);
}

dir_nodes *strata_dir_nodes_of(napi_env env, napi_value value) { return strata_external_of(env, value, &DIRS_TAG); }

/* createDirNodes(attrSeconds, entrySeconds): an empty table, freed when JavaScript lets go of it */
static napi_value js_create(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int64_t attr, entry;
  if (!strata_arg_int64(&a, 0, &attr) || !strata_arg_int64(&a, 1, &entry)) return NULL;
  if (attr < 0 || entry < 0) return strata_throw_errno(env, EINVAL, "createDirNodes", NULL);
  dir_nodes *d = calloc(1, sizeof *d);
  if (!d) return strata_throw_errno(env, ENOMEM, "createDirNodes", NULL);
  d->attr_seconds = (uint64_t)attr;
  d->entry_seconds = (uint64_t)entry;
  return strata_tagged_external(env, d, finalize, &DIRS_TAG);
}

static dir_nodes *table_arg(const strata_args *a) {
  dir_nodes *d = a->argc > 0 ? strata_dir_nodes_of(a->env, a->argv[0]) : NULL;
  if (!d) strata_throw_type(a->env, "not a table made by createDirNodes");
  return d;
}

/* setDirNode(table, nodeid, upperPath | null, ino, lower) */
static napi_value js_set(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  dir_nodes *d = table_arg(&a);
  int64_t id, ino = 0;
  if (!d || !strata_arg_int64(&a, 1, &id)) return NULL;
  if (id < 0) return strata_throw_errno(env, EINVAL, "setDirNode", NULL);
  napi_valuetype type = napi_null;
  if (a.argc > 2) napi_typeof(env, a.argv[2], &type);
  char *path = NULL;
  bool lower = false;
  if (type != napi_null) {
    char buf[STRATA_PATH_BUF];
    if (!strata_arg_path(&a, 2, buf, sizeof buf) || !strata_arg_int64(&a, 3, &ino)) return NULL;
    if (a.argc < 5 || napi_get_value_bool(env, a.argv[4], &lower) != napi_ok)
      return strata_throw_type(env, "lower must be a boolean");
    if (buf[0] != '/') return strata_throw_errno(env, EINVAL, "setDirNode", buf);
    if ((uint64_t)id >= STRATA_MAX_NODE_ID) return strata_undefined(env);
    if (!(path = strdup(buf))) return strata_throw_errno(env, ENOMEM, "setDirNode", NULL);
  }
  if (!put(d, (uint64_t)id, path, (uint64_t)ino, lower)) {
    free(path);
    return strata_throw_errno(env, ENOMEM, "setDirNode", NULL);
  }
  return strata_undefined(env);
}

/* dirNodeAnswers(table): how many GETATTR and LOOKUP the reader answered */
static napi_value js_answers(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  dir_nodes *d = table_arg(&a);
  if (!d) return NULL;
  napi_value out, getattr, lookup;
  NAPI_OK(env, napi_create_object(env, &out));
  NAPI_OK(env, napi_create_double(env, d->answered_getattr, &getattr));
  NAPI_OK(env, napi_create_double(env, d->answered_lookup, &lookup));
  NAPI_OK(env, napi_set_named_property(env, out, "getattr", getattr));
  NAPI_OK(env, napi_set_named_property(env, out, "lookup", lookup));
  return out;
}

void strata_init_fuse_dirs(napi_env env, napi_value exports) {
  static const strata_export list[] = {
      {"createDirNodes", js_create}, {"setDirNode", js_set}, {"dirNodeAnswers", js_answers}, {NULL, NULL}};
  strata_define(env, exports, list);
}
