/*
 * The nodes known to have no xattr a user can see ("bare"), and the answers the event-loop reader
 * (fuse-poll.c) gives for them without waking JavaScript: GETXATTR is ENODATA, LISTXATTR is empty.
 * The kernel caches no xattr and asks on every `ls -l` (security.selinux, the access ACL) and before
 * each write and chown (security.capability); for a bare node each answer was a trip into JS that
 * found nothing. JavaScript owns the knowledge (daemon/fuse/ops/xattr.ts): it marks a node bare when
 * it learns so and unmarks it before anything can add an xattr, so this set is its mirror, never a
 * second owner. Node ids are small, dense and never reused: the set is a bitmap, grown on demand up
 * to STRATA_MAX_NODE_ID (ids above it are simply not marked and go to JavaScript).
 * Tests: test/integration/fuse-bare-xattrs.test.ts
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "families.h"
#include "fuse-bare.h"
#include "fuse-wire.h"
#include "napi-util.h"
#include "node-table.h"


struct bare_nodes {
  uint64_t *words;
  size_t nwords;
  double answered_get;
  double answered_list;
};

static bool is_bare(const bare_nodes *s, uint64_t id) {
  size_t w = id / 64;
  return w < s->nwords && (s->words[w] >> (id % 64)) & 1;
}

static bool set_bare(bare_nodes *s, uint64_t id, bool bare) {
  size_t w = id / 64;
  if (!bare && w >= s->nwords) return true;
  if (!strata_cover((void **)&s->words, &s->nwords, w, sizeof *s->words)) return false;
  if (bare) s->words[w] |= 1ULL << (id % 64);
  else s->words[w] &= ~(1ULL << (id % 64));
  return true;
}

bool strata_bare_mark(bare_nodes *s, uint64_t id, bool bare) {
  return !s || id >= STRATA_MAX_NODE_ID || set_bare(s, id, bare);
}

bool strata_bare_answer(bare_nodes *s, int fd, const char *req, size_t len) {
  if (!s || len < STRATA_IN_HEADER + 8) return false;
  uint32_t opcode = strata_u32_at(req + 4);
  if (opcode != FUSE_GETXATTR && opcode != FUSE_LISTXATTR) return false;
  if (!is_bare(s, strata_u64_at(req + 16))) return false;
  uint32_t size = strata_u32_at(req + STRATA_IN_HEADER);
  /* fuse_out_header, then for a size probe of LISTXATTR fuse_getxattr_out */
  char out[STRATA_OUT_HEADER + 8] = {0};
  uint32_t out_len = STRATA_OUT_HEADER;
  int32_t error = 0;
  if (opcode == FUSE_GETXATTR) error = -ENODATA;
  else if (size == 0) out_len += 8; /* size 0, padding */
  strata_out_header(out, out_len, error, req);
  if (!strata_fuse_reply(fd, out, out_len)) return false;
  if (opcode == FUSE_GETXATTR) s->answered_get++;
  else s->answered_list++;
  return true;
}

/* Marks the externals this file makes, so no other external passes for one. */
static const napi_type_tag BARE_TAG = {0x7374726174616261ULL, 0x7265206e6f646573ULL};

static void finalize(napi_env env, void *data, void *hint) {
  bare_nodes *s = data;
  free(s->words);
  free(s);
}

bare_nodes *strata_bare_nodes_of(napi_env env, napi_value value) {
  return strata_external_of(env, value, &BARE_TAG);
}

/* createBareNodes(): an empty set, freed when JavaScript lets go of it */
static napi_value js_create(napi_env env, napi_callback_info info) {
  bare_nodes *s = calloc(1, sizeof *s);
  if (!s) return strata_throw_errno(env, ENOMEM, "createBareNodes", NULL);
  return strata_tagged_external(env, s, finalize, &BARE_TAG);
}

static bare_nodes *set_arg(const strata_args *a) {
  bare_nodes *s = a->argc > 0 ? strata_bare_nodes_of(a->env, a->argv[0]) : NULL;
  if (!s) strata_throw_type(a->env, "not a set made by createBareNodes");
  return s;
}

/* markBareNode(set, nodeid, bare) */
static napi_value js_mark(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  bare_nodes *s = set_arg(&a);
  int64_t id;
  bool bare;
  if (!s || !strata_arg_int64(&a, 1, &id)) return NULL;
  if (!strata_arg_bool(&a, 2, "bare", &bare)) return NULL;
  if (id < 0) return strata_throw_errno(env, EINVAL, "markBareNode", NULL);
  if ((uint64_t)id >= STRATA_MAX_NODE_ID) return strata_undefined(env);
  if (!set_bare(s, (uint64_t)id, bare)) return strata_throw_errno(env, ENOMEM, "markBareNode", NULL);
  return strata_undefined(env);
}

/* bareNodeAnswers(set): how many GETXATTR and LISTXATTR the reader answered from the set */
static napi_value js_answers(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  bare_nodes *s = set_arg(&a);
  if (!s) return NULL;
  napi_value out, get, list;
  NAPI_OK(env, napi_create_object(env, &out));
  NAPI_OK(env, napi_create_double(env, s->answered_get, &get));
  NAPI_OK(env, napi_create_double(env, s->answered_list, &list));
  NAPI_OK(env, napi_set_named_property(env, out, "getxattr", get));
  NAPI_OK(env, napi_set_named_property(env, out, "listxattr", list));
  return out;
}

void strata_init_fuse_bare(napi_env env, napi_value exports) {
  static const strata_export list[] = {
      {"createBareNodes", js_create}, {"markBareNode", js_mark}, {"bareNodeAnswers", js_answers}, {NULL, NULL}};
  strata_define(env, exports, list);
}
