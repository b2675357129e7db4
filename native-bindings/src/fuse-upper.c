/*
 * The nodes known to live in upper/, and what the event-loop reader (fuse-poll.c) answers for them
 * without waking JavaScript:
 * - GETATTR of a directory (the kernel asks after every entry made or removed in it: `tar -x` and
 *   `rm -rf` once per file) or of a regular file (without a handle: stat(2) once its attributes
 *   have expired);
 * - a LOOKUP that finds nothing in a directory no lower layer shows (every new name `tar -x` or a
 *   package manager makes is looked up first);
 * - READDIR and READDIRPLUS of a directory no lower layer shows, when the kernel holds every entry's
 *   node (fuse-listing.c: what `find`, `rm -rf` and `chmod -R` read after an untar through the
 *   mount); a directory's direntplus links its node, and the lookups counted so are handed to
 *   JavaScript (setUpperNode taking the node out, takeUpperLookups at FORGET), which owns the count;
 * - UNLINK of a regular file and RMDIR of a directory in a directory no lower layer shows, once
 *   the node is settable (below) and the session is not paused: the name just goes, and JavaScript
 *   gets a note in its place among the requests (fuse-upper.h), which it handles before the rest;
 * - CREATE of a regular file in a directory no lower layer shows (fuse-create.c makes it), under
 *   a node id JavaScript set aside (giveUpperIds), registered and marked bare here at once, with a
 *   note to JavaScript, which takes over the node, its handle and its passthrough backing;
 * - a SETATTR of a regular file or directory other than a size change (chmod -R, chown -R, touch,
 *   tar's times of the directories it made: fuse-setattr.c), when JavaScript marked the node
 *   settable (its path is in the change journal already) and the session is not paused (commit).
 *   For a directory not one that may change its group or its setgid bit: the engine's directory
 *   cache keeps those (create.ts gives a setgid directory's group to what is made in it), and
 *   JavaScript refreshes that cache when it makes the change itself.
 * The answers are the ones ops/attr.ts and ops/entry.ts give: the upper lstat with the node's own
 * inode number (nlink 1 for a directory merged with a lower one, as overlayfs), a negative entry for
 * a name upper/ does not have. Anything else (a name that is there, an lstat that fails or finds
 * another type, a name JavaScript would refuse) goes to JavaScript.
 * JavaScript owns the knowledge (daemon/fuse/upper-mirror.ts): it registers a node with its upper
 * path when it resolves one, and takes it out before that node's name changes (rename, unlink,
 * rmdir, link, FORGET), so the path here is always the node's. Node ids are small and dense: the
 * table is an array grown on demand up to STRATA_MAX_NODE_ID, with an index from path to node id
 * (path-index.c) for the listings.
 * Tests: test/unit/native-bindings/fuse-upper.test.ts, test/integration/fuse-upper.test.ts,
 * test/integration/fuse-upper-readdir.test.ts, test/integration/fuse-upper-remove.test.ts,
 * test/integration/fuse-upper-create.test.ts
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "families.h"
#include "fuse-bare.h"
#include "fuse-create.h"
#include "fuse-listing.h"
#include "fuse-setattr.h"
#include "fuse-upper.h"
#include "fuse-wire.h"
#include "napi-util.h"
#include "node-table.h"
#include "path-index.h"

#define GETATTR_FH 1
#define ENTRY_OUT 128
#define NAME_MAX_BYTES 255

/* setUpperNode's flags */
#define UPPER_DIR 1      /* a directory (else a regular file) */
#define UPPER_LOWER 2    /* a directory merged with a lower one: nlink 1, and a missing upper name may still show */
#define UPPER_SETTABLE 4 /* a node whose SETATTR the reader may answer */
#define UPPER_FLAGS 7

/* the reader's file handles start here (2^40): JavaScript's own count up from 1 (handles.ts) */
#define READER_FH_BASE (1ULL << 40)
/* the most node ids JavaScript may set aside at once */
#define SPARE_MAX 4096

typedef struct {
  char *path; /* NULL: not known */
  uint64_t ino;
  uint32_t flags;
  uint64_t lookups; /* counted by the reader's direntplus entries, not yet handed to JavaScript */
} upper_node;

struct upper_nodes {
  upper_node *slots;
  size_t nslots;
  strata_path_index index;
  uint64_t attr_seconds;
  uint64_t entry_seconds;
  bool paused;
  /* the reader's CREATE (fuse-create.c): enabled by JavaScript once passthrough is negotiated */
  bool create;
  int fuse_fd;
  uid_t own_uid;
  gid_t own_gid;
  mode_t umask;
  /* node ids JavaScript set aside for the nodes the reader makes, used from the end */
  uint32_t *spare;
  size_t nspare;
  size_t spare_cap;
  /* the file handles of the reader's opens: a range JavaScript's own (from 1) never reaches */
  uint64_t next_fh;
  double answered_create;
  double answered_getattr;
  double answered_lookup;
  double answered_setattr;
  double answered_readdir;
  double answered_readdirplus;
  double answered_unlink;
  double answered_rmdir;
};

static const upper_node *known(const upper_nodes *u, uint64_t id) {
  return id < u->nslots && u->slots[id].path ? &u->slots[id] : NULL;
}

/* Takes a node out; returns the lookups the reader counted for it (JavaScript adds them to its count). */
static uint64_t take_out(upper_nodes *u, uint64_t id) {
  if (id >= u->nslots) return 0;
  upper_node *n = &u->slots[id];
  uint64_t lookups = n->lookups;
  if (n->path) strata_index_remove(&u->index, n->path, (uint32_t)id);
  free(n->path);
  *n = (upper_node){0};
  return lookups;
}

/*
 * Registers a node again or anew, owning path from the call on; false when memory ran out (then the
 * node is not known, and the lookups counted for it so far stay to be taken).
 */
static bool put(upper_nodes *u, uint64_t id, char *path, uint64_t ino, uint32_t flags) {
  if (!strata_cover((void **)&u->slots, &u->nslots, id, sizeof *u->slots)) {
    free(path);
    return false;
  }
  uint64_t lookups = take_out(u, id);
  /* another node at this path still: JavaScript's mistake, but answering for either would be wrong */
  uint64_t other = strata_index_find(&u->index, path);
  if (other != 0 || !strata_index_add(&u->index, path, (uint32_t)id)) {
    free(path);
    u->slots[id].lookups = lookups;
    return other != 0;
  }
  u->slots[id] = (upper_node){.path = path, .ino = ino, .flags = flags, .lookups = lookups};
  return true;
}

static bool answer_getattr(upper_nodes *u, int fd, const char *req, size_t len, const upper_node *n) {
  bool dir = n->flags & UPPER_DIR;
  /* a file's GETATTR through a handle: JavaScript's (ops/attr.ts answers from that handle) */
  if (!dir && (len < STRATA_IN_HEADER + 4 || strata_u32_at(req + STRATA_IN_HEADER) & GETATTR_FH)) return false;
  struct stat st;
  if (lstat(n->path, &st) != 0 || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) return false;
  char out[STRATA_OUT_HEADER + STRATA_ATTR_OUT] = {0};
  strata_out_header(out, sizeof out, 0, req);
  /* nlink 1 for a directory merged with a lower one, as overlayfs (overlay.ts attrOf) */
  uint32_t nlink = n->flags & UPPER_LOWER ? 1 : (uint32_t)st.st_nlink;
  strata_attr_out(out + STRATA_OUT_HEADER, u->attr_seconds, &st, n->ino, nlink);
  if (!strata_fuse_reply(fd, out, sizeof out)) return false;
  u->answered_getattr++;
  return true;
}

/*
 * The name a request asks for at `name` (LOOKUP, UNLINK and RMDIR: right after the header), if it is
 * one JavaScript would take (path.ts checkName, childPath).
 */
static const char *plain_name(const char *req, size_t len, const char *name) {
  size_t room = len - (size_t)(name - req);
  const char *end = memchr(name, '\0', room);
  size_t n = end ? (size_t)(end - name) : 0;
  if (n == 0 || n > NAME_MAX_BYTES || memchr(name, '/', n)) return NULL;
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return NULL;
  return name;
}

/*
 * The upper path of the name a request asks for in a directory no lower layer shows; false when
 * JavaScript must answer (a merged directory, a name it would refuse, a path too long).
 */
static bool child_path(const upper_node *dir, const char *req, size_t len, const char *at, char path[PATH_MAX]) {
  if ((dir->flags & (UPPER_DIR | UPPER_LOWER)) != UPPER_DIR || !at) return false;
  const char *name = plain_name(req, len, at);
  return name && snprintf(path, PATH_MAX, "%s/%s", dir->path, name) < PATH_MAX;
}

static bool answer_lookup(upper_nodes *u, int fd, const char *req, size_t len, const upper_node *n) {
  char path[PATH_MAX];
  struct stat st;
  if (!child_path(n, req, len, req + STRATA_IN_HEADER, path) || lstat(path, &st) == 0 || errno != ENOENT) return false;
  /* a negative entry: node id 0, cached for the entry timeout, no attributes */
  char out[STRATA_OUT_HEADER + ENTRY_OUT] = {0};
  strata_out_header(out, sizeof out, 0, req);
  strata_put64(out + STRATA_OUT_HEADER + 16, u->entry_seconds);
  if (!strata_fuse_reply(fd, out, sizeof out)) return false;
  u->answered_lookup++;
  return true;
}

/*
 * Whether a directory's SETATTR leaves its group and setgid bit as they are (see the top): a chown to
 * the group it has (tar's, as root), a mode with the setgid bit it has, an owner change of a directory
 * without setgid (whether a filesystem drops it then is the filesystem's business: not asked).
 */
static bool keeps_setgid_group(const upper_node *n, uint32_t valid, const char *in) {
  if (valid & STRATA_FATTR_KILL_SUIDGID) return false;
  if (!(valid & (STRATA_FATTR_MODE | STRATA_FATTR_UID | STRATA_FATTR_GID))) return true;
  struct stat st;
  if (lstat(n->path, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  if ((valid & STRATA_FATTR_UID) && (st.st_mode & S_ISGID)) return false;
  if ((valid & STRATA_FATTR_GID) && strata_u32_at(in + STRATA_SETATTR_GID_AT) != st.st_gid) return false;
  return !(valid & STRATA_FATTR_MODE) || ((strata_u32_at(in + STRATA_SETATTR_MODE_AT) ^ st.st_mode) & S_ISGID) == 0;
}

static bool answer_setattr(upper_nodes *u, int fd, const char *req, size_t len, const upper_node *n) {
  if (u->paused || !(n->flags & UPPER_SETTABLE) || len < STRATA_IN_HEADER + STRATA_SETATTR_IN) return false;
  const char *in = req + STRATA_IN_HEADER;
  uint32_t valid = strata_u32_at(in);
  if (valid & STRATA_FATTR_SIZE) return false;
  if ((n->flags & UPPER_DIR) && !keeps_setgid_group(n, valid, in)) return false;
  strata_setattr_target target = {.fd = -1, .path = n->path};
  if (!strata_setattr_answer(fd, req, target, n->ino, n->flags & UPPER_LOWER, u->attr_seconds)) return false;
  u->answered_setattr++;
  return true;
}

/* the listings' view of the table: a node the kernel holds at a path */
static bool held_at(void *ctx, const char *path, strata_held_node *out) {
  const upper_nodes *u = ctx;
  const upper_node *n = known(u, strata_index_find(&u->index, path));
  if (!n) return false;
  uint64_t id = (uint64_t)(n - u->slots);
  *out = (strata_held_node){.nodeid = id, .ino = n->ino, .dir = n->flags & UPPER_DIR, .merged = n->flags & UPPER_LOWER};
  return true;
}

static void linked(void *ctx, uint64_t nodeid) {
  upper_nodes *u = ctx;
  if (nodeid < u->nslots) u->slots[nodeid].lookups++;
}

static bool answer_readdir(upper_nodes *u, int fd, const char *req, size_t len, const upper_node *n, bool plus) {
  if ((n->flags & (UPPER_DIR | UPPER_LOWER)) != UPPER_DIR) return false;
  strata_listing_dir dir = {.path = n->path,
                            .ino = n->ino,
                            .attr_seconds = u->attr_seconds,
                            .entry_seconds = u->entry_seconds,
                            .held = held_at,
                            .linked = linked,
                            .ctx = u};
  if (!strata_listing_answer(fd, req, len, &dir)) return false;
  if (plus) u->answered_readdirplus++;
  else u->answered_readdir++;
  return true;
}

/* The note JavaScript gets for a node whose name the reader removed (fuse-upper.h). */
static void put_note(char *note, uint64_t id, uint64_t lookups, bool dir) {
  memset(note, 0, STRATA_NOTE_LEN);
  strata_put32(note, STRATA_NOTE_LEN);
  strata_put32(note + 4, STRATA_NOTE_REMOVED);
  strata_put64(note + 16, id);
  strata_put64(note + STRATA_IN_HEADER, lookups);
  strata_put32(note + STRATA_IN_HEADER + 8, dir);
}

/*
 * UNLINK of a regular file or RMDIR of a directory that is a settable node (its path is in the
 * change journal, if there is one) in a directory no lower layer shows: nothing below can show
 * through, so the name just goes (no whiteout). A call that fails changed nothing: JavaScript tries
 * again and answers why (a directory that holds whiteouts only is JavaScript's to empty).
 */
static bool answer_remove(upper_nodes *u, int fd, const char *req, size_t len, const upper_node *parent, bool dir,
                          char *note, bool *noted) {
  char path[PATH_MAX];
  if (u->paused || !child_path(parent, req, len, req + STRATA_IN_HEADER, path)) return false;
  uint64_t id = strata_index_find(&u->index, path);
  const upper_node *n = known(u, id);
  if (!n || (n->flags & (UPPER_DIR | UPPER_LOWER | UPPER_SETTABLE)) != ((dir ? UPPER_DIR : 0) | UPPER_SETTABLE))
    return false;
  if ((dir ? rmdir(path) : unlink(path)) != 0) return false;
  put_note(note, id, take_out(u, id), dir);
  *noted = true;
  char out[STRATA_OUT_HEADER] = {0};
  strata_out_header(out, sizeof out, 0, req);
  if (!strata_fuse_reply(fd, out, sizeof out)) return false;
  if (dir) u->answered_rmdir++;
  else u->answered_unlink++;
  return true;
}

/*
 * The note JavaScript gets for a file the reader made (fuse-upper.h): the new node's id in the
 * header; the parent's id, the file handle, the inode number and device, the backing id, the
 * descriptor, whether it is open for writing and bare, then the name and the upper path.
 */
static void put_created_note(char *note, uint64_t id, uint64_t parent, const strata_create_at *at,
                             const strata_created *made, bool bare, const char *name) {
  size_t name_len = strlen(name) + 1;
  size_t path_len = strlen(at->path) + 1;
  uint32_t len = (uint32_t)(STRATA_NOTE_CREATED_NAME + name_len + path_len);
  memset(note, 0, STRATA_NOTE_CREATED_NAME);
  strata_put32(note, len);
  strata_put32(note + 4, STRATA_NOTE_CREATED);
  strata_put64(note + 16, id);
  char *b = note + STRATA_IN_HEADER;
  strata_put64(b, parent);
  strata_put64(b + 8, at->fh);
  strata_put64(b + 16, (uint64_t)made->st.st_ino);
  strata_put64(b + 24, (uint64_t)made->st.st_dev);
  strata_put32(b + 32, (uint32_t)made->backing_id);
  strata_put32(b + 36, (uint32_t)made->fd);
  strata_put32(b + 40, made->writable);
  strata_put32(b + 44, bare);
  memcpy(note + STRATA_NOTE_CREATED_NAME, name, name_len);
  memcpy(note + STRATA_NOTE_CREATED_NAME + name_len, at->path, path_len);
}

/*
 * Whether a name is ASCII: JavaScript's string of it is then its bytes (overlay/names.ts), and the
 * upper path it registers is the one the reader made. Other names are JavaScript's to create.
 */
static bool ascii(const char *name) {
  for (const unsigned char *c = (const unsigned char *)name; *c; c++)
    if (*c >= 0x80) return false;
  return true;
}

/*
 * Whether a new entry in the directory at `dir` is born without xattrs (overlay/xattr.ts
 * newEntryMayHaveXattrs): the directory's upper copy has none, so no default ACL or label to inherit.
 */
static bool born_bare(const char *dir, bool *bare) {
  ssize_t n = llistxattr(dir, NULL, 0);
  if (n < 0) return false;
  *bare = n == 0;
  return true;
}

/*
 * CREATE of a regular file in a directory no lower layer shows (fuse-create.c makes it), when
 * JavaScript enabled it and set node ids aside, the session is not paused, the parent is a settable
 * directory (the change journal has its path) without the setgid bit (whose group a new file would
 * take: create.ts's case), and no known node holds the path. The new node is registered here at
 * once, settable (diff reads every entry of a journaled directory no lower shows from upper/, so
 * the journal need not name the file: diff/changes.ts) and bare when the parent has no xattrs, so
 * the requests that follow (tar's fchown, fchmod, utimens, its write's GETXATTR) are answered here
 * too; JavaScript gets a note to take the node, handle and backing over.
 */
static bool answer_create(upper_nodes *u, bare_nodes *bare_set, const char *req, size_t len, const upper_node *parent,
                          char *note, bool *noted) {
  char path[PATH_MAX];
  const char *name = strata_create_name(req, len);
  uint64_t parent_id = (uint64_t)(parent - u->slots); /* before put: growing the table moves its slots */
  if (!u->create || u->paused || u->nspare == 0 || !(parent->flags & UPPER_SETTABLE)) return false;
  if (!child_path(parent, req, len, name, path)) return false;
  if (!ascii(name) || strata_index_find(&u->index, path) != 0) return false;
  struct stat dir;
  bool bare;
  if (lstat(parent->path, &dir) != 0 || !S_ISDIR(dir.st_mode) || (dir.st_mode & S_ISGID)) return false;
  if (!born_bare(parent->path, &bare)) return false;
  uint32_t id = u->spare[u->nspare - 1];
  strata_create_at at = {.fuse_fd = u->fuse_fd,
                         .path = path,
                         .nodeid = id,
                         .fh = u->next_fh,
                         .entry_seconds = u->entry_seconds,
                         .attr_seconds = u->attr_seconds,
                         .own_uid = u->own_uid,
                         .own_gid = u->own_gid,
                         .umask = u->umask};
  strata_created made;
  if (!strata_create_make(req, &at, &made)) return false;
  char *kept = strdup(path);
  if (!kept || !put(u, id, kept, (uint64_t)made.st.st_ino, UPPER_SETTABLE) || !known(u, id) ||
      !strata_bare_mark(bare_set, id, bare) || !strata_create_reply(req, &at, &made)) {
    take_out(u, id);
    strata_bare_mark(bare_set, id, false);
    strata_create_undo(&at, &made);
    return false;
  }
  u->nspare--;
  u->next_fh++;
  put_created_note(note, id, parent_id, &at, &made, bare, name);
  *noted = true;
  u->answered_create++;
  return true;
}

bool strata_upper_answer(upper_nodes *u, bare_nodes *bare, int fd, const char *req, size_t len, char *note,
                         bool *noted) {
  if (!u || len < STRATA_IN_HEADER + 1) return false;
  uint32_t opcode = strata_u32_at(req + 4);
  bool listing = opcode == FUSE_READDIR || opcode == FUSE_READDIRPLUS;
  bool removal = opcode == FUSE_UNLINK || opcode == FUSE_RMDIR;
  if (opcode != FUSE_GETATTR && opcode != FUSE_LOOKUP && opcode != STRATA_FUSE_SETATTR && opcode != FUSE_CREATE &&
      !listing && !removal)
    return false;
  const upper_node *n = known(u, strata_u64_at(req + 16));
  if (!n) return false;
  if (opcode == FUSE_GETATTR) return answer_getattr(u, fd, req, len, n);
  if (opcode == FUSE_LOOKUP) return answer_lookup(u, fd, req, len, n);
  if (listing) return answer_readdir(u, fd, req, len, n, opcode == FUSE_READDIRPLUS);
  if (removal) return answer_remove(u, fd, req, len, n, opcode == FUSE_RMDIR, note, noted);
  if (opcode == FUSE_CREATE) return answer_create(u, bare, req, len, n, note, noted);
  return answer_setattr(u, fd, req, len, n);
}

/* Marks the externals this file makes, so no other external passes for one. */
static const napi_type_tag UPPER_TAG = {0x7374726174617570ULL, 0x7065726e6f646573ULL};

static void finalize(napi_env env, void *data, void *hint) {
  upper_nodes *u = data;
  for (size_t i = 0; i < u->nslots; i++) free(u->slots[i].path);
  free(u->slots);
  free(u->spare);
  strata_index_free(&u->index);
  free(u);
}

upper_nodes *strata_upper_nodes_of(napi_env env, napi_value value) {
  return strata_external_of(env, value, &UPPER_TAG);
}

/* createUpperNodes(attrSeconds, entrySeconds): an empty table, freed when JavaScript lets go of it */
static napi_value js_create(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  int64_t attr, entry;
  if (!strata_arg_int64(&a, 0, &attr) || !strata_arg_int64(&a, 1, &entry)) return NULL;
  if (attr < 0 || entry < 0) return strata_throw_errno(env, EINVAL, "createUpperNodes", NULL);
  upper_nodes *u = calloc(1, sizeof *u);
  if (!u) return strata_throw_errno(env, ENOMEM, "createUpperNodes", NULL);
  u->attr_seconds = (uint64_t)attr;
  u->entry_seconds = (uint64_t)entry;
  u->next_fh = READER_FH_BASE;
  return strata_tagged_external(env, u, finalize, &UPPER_TAG);
}

static upper_nodes *table_arg(const strata_args *a) {
  upper_nodes *u = a->argc > 0 ? strata_upper_nodes_of(a->env, a->argv[0]) : NULL;
  if (!u) strata_throw_type(a->env, "not a table made by createUpperNodes");
  return u;
}

/* The path, inode number and flags setUpperNode got for a node (argv 2..4); NULL with an exception pending. */
static char *node_args(const strata_args *a, int64_t *ino, uint32_t *flags) {
  char buf[STRATA_PATH_BUF];
  if (!strata_arg_path(a, 2, buf, sizeof buf) || !strata_arg_int64(a, 3, ino) || !strata_arg_uint32(a, 4, flags))
    return NULL;
  bool dir = *flags & UPPER_DIR;
  if (buf[0] != '/' || *flags > UPPER_FLAGS || (!dir && (*flags & UPPER_LOWER))) {
    strata_throw_errno(a->env, EINVAL, "setUpperNode", buf);
    return NULL;
  }
  char *path = strdup(buf);
  if (!path) strata_throw_errno(a->env, ENOMEM, "setUpperNode", NULL);
  return path;
}

/* setUpperNode(table, nodeid, upperPath, ino, flags); with null for a path: takes the node out, returns its lookups */
static napi_value js_set(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  upper_nodes *u = table_arg(&a);
  int64_t id, ino = 0;
  uint32_t flags = 0;
  if (!u || !strata_arg_int64(&a, 1, &id)) return NULL;
  if (id < 0) return strata_throw_errno(env, EINVAL, "setUpperNode", NULL);
  napi_valuetype type = napi_null;
  if (a.argc > 2) napi_typeof(env, a.argv[2], &type);
  char *path = NULL;
  if (type != napi_null && !(path = node_args(&a, &ino, &flags))) return NULL;
  if ((uint64_t)id >= STRATA_MAX_NODE_ID) {
    bool registering = path != NULL;
    free(path);
    return registering ? strata_undefined(env) : strata_int64(env, 0);
  }
  if (!path) return strata_int64(env, (int64_t)take_out(u, (uint64_t)id));
  if (!put(u, (uint64_t)id, path, (uint64_t)ino, flags)) return strata_throw_errno(env, ENOMEM, "setUpperNode", NULL);
  return strata_undefined(env);
}

/* takeUpperLookups(table, nodeid): the lookups the reader counted for the node since the last take (see the top) */
static napi_value js_take(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  upper_nodes *u = table_arg(&a);
  int64_t id;
  if (!u || !strata_arg_int64(&a, 1, &id)) return NULL;
  if (id < 0 || (uint64_t)id >= u->nslots) return strata_int64(env, 0);
  uint64_t lookups = u->slots[id].lookups;
  u->slots[id].lookups = 0;
  return strata_int64(env, (int64_t)lookups);
}

/* pauseUpperNodes(table, paused): no SETATTR answers while paused */
static napi_value js_pause(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  upper_nodes *u = table_arg(&a);
  if (!u) return NULL;
  return strata_arg_bool(&a, 1, "paused", &u->paused) ? strata_undefined(env) : NULL;
}

/* enableUpperCreate(table, fuseFd, uid, gid, umask): the reader may make files (answer_create) */
static napi_value js_enable_create(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  upper_nodes *u = table_arg(&a);
  int32_t fuse_fd;
  uint32_t uid, gid, mask;
  if (!u || !strata_arg_int32(&a, 1, &fuse_fd) || !strata_arg_uint32(&a, 2, &uid) || !strata_arg_uint32(&a, 3, &gid) ||
      !strata_arg_uint32(&a, 4, &mask))
    return NULL;
  if (fuse_fd < 0 || mask > 0777) return strata_throw_errno(env, EINVAL, "enableUpperCreate", NULL);
  u->fuse_fd = fuse_fd;
  u->own_uid = uid;
  u->own_gid = gid;
  u->umask = mask;
  u->create = true;
  return strata_undefined(env);
}

/* giveUpperIds(table, ids: Uint32Array): node ids set aside for the reader's CREATE; returns how many it holds */
static napi_value js_give_ids(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  upper_nodes *u = table_arg(&a);
  if (!u) return NULL;
  size_t count = 0;
  void *data = NULL;
  if (a.argc < 2 || !strata_typed_array(env, a.argv[1], napi_uint32_array, &data, &count))
    return strata_throw_type(env, "ids must be a Uint32Array");
  const uint32_t *ids = data;
  if (u->nspare + count > SPARE_MAX) return strata_throw_errno(env, EINVAL, "giveUpperIds", NULL);
  for (size_t i = 0; i < count; i++)
    if (ids[i] == 0 || ids[i] >= STRATA_MAX_NODE_ID) return strata_throw_errno(env, EINVAL, "giveUpperIds", NULL);
  if (u->nspare + count > u->spare_cap) {
    uint32_t *grown = realloc(u->spare, SPARE_MAX * sizeof *grown);
    if (!grown) return strata_throw_errno(env, ENOMEM, "giveUpperIds", NULL);
    u->spare = grown;
    u->spare_cap = SPARE_MAX;
  }
  memcpy(u->spare + u->nspare, ids, count * sizeof *ids);
  u->nspare += count;
  return strata_int64(env, (int64_t)u->nspare);
}

static bool put_count(napi_env env, napi_value out, const char *name, double count) {
  napi_value v;
  return napi_create_double(env, count, &v) == napi_ok && napi_set_named_property(env, out, name, v) == napi_ok;
}

/* upperNodeAnswers(table): how many requests of each kind the reader answered */
static napi_value js_answers(napi_env env, napi_callback_info info) {
  strata_args a;
  if (!strata_get_args(env, info, &a)) return NULL;
  upper_nodes *u = table_arg(&a);
  if (!u) return NULL;
  napi_value out;
  NAPI_OK(env, napi_create_object(env, &out));
  if (!put_count(env, out, "getattr", u->answered_getattr) || !put_count(env, out, "lookup", u->answered_lookup) ||
      !put_count(env, out, "setattr", u->answered_setattr) || !put_count(env, out, "readdir", u->answered_readdir) ||
      !put_count(env, out, "readdirplus", u->answered_readdirplus) ||
      !put_count(env, out, "unlink", u->answered_unlink) || !put_count(env, out, "rmdir", u->answered_rmdir) ||
      !put_count(env, out, "create", u->answered_create))
    return NULL;
  return out;
}

void strata_init_fuse_upper(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"createUpperNodes", js_create},
                                       {"setUpperNode", js_set},
                                       {"takeUpperLookups", js_take},
                                       {"pauseUpperNodes", js_pause},
                                       {"upperNodeAnswers", js_answers},
                                       {"enableUpperCreate", js_enable_create},
                                       {"giveUpperIds", js_give_ids},
                                       {NULL, NULL}};
  strata_define(env, exports, list);
}
