/*
 * READDIR and READDIRPLUS of a directory no lower layer shows, answered by the event-loop reader
 * (fuse-upper.c asks for its upper-only directories) with the bytes daemon/fuse/ops/dir.ts gives:
 * '.' and '..' first, then the entries in the order of their cookies (dir-listing.ts cookieOf: the
 * same hash over the same UTF-16 code units, so a reader may go on from an offset the other gave),
 * an offset meaning "after this cookie", a reply never ending inside a run of equal cookies, each
 * reply as long as what fits. This is what `find`, `rm -rf` and `chmod -R` read once per directory.
 * It answers only when every entry in the reply is a node the kernel holds (`held`): then a file's
 * direntplus is empty (node id 0: the kernel keeps the node and attributes it has) and a directory's
 * links its node with fresh attributes (the kernel drops a directory's dentry when its mode changes),
 * counting a lookup (`linked`). Anything else goes to JavaScript, which stats and links entries: a
 * name the kernel has not seen, a device (a whiteout is one), an entry of unknown type, a name that
 * is not UTF-8, a directory of more than LISTING_MAX entries (JavaScript keeps a long listing
 * between the requests that read it, where this reads the directory again for each).
 * Tests: test/integration/fuse-upper-readdir.test.ts, test/unit/native-bindings/fuse-listing.test.ts
 */
#include "fuse-listing.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuse-wire.h"
#include "napi-util.h"
#include "node-table.h"

#define READ_IN 40
#define ENTRY_OUT 128
#define DIRENT_BASE 24
#define LISTING_MAX 4096
#define NAME_MAX_BYTES 255
#define DOT_COOKIES 2

typedef struct {
  size_t at; /* the name's offset in the listing's names, while they are read */
  const char *name;
  size_t len;
  uint64_t cookie;
  unsigned char type;
} listed;

typedef struct {
  listed *items;
  size_t count;
  size_t cap;
  char *names;
  size_t names_used;
  size_t names_cap;
} listing;

/* The UTF-16 code units of a UTF-8 name (what a JavaScript string holds), or -1 if it is not UTF-8. */
static int utf16_of(const unsigned char *s, size_t n, uint16_t *units) {
  int k = 0;
  for (size_t i = 0; i < n;) {
    uint32_t c = s[i], need, min;
    if (c < 0x80) need = 0, min = 0;
    else if (c >= 0xc2 && c <= 0xdf) need = 1, min = 0x80, c &= 0x1f;
    else if (c >= 0xe0 && c <= 0xef) need = 2, min = 0x800, c &= 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) need = 3, min = 0x10000, c &= 0x07;
    else return -1;
    if (n - i - 1 < need) return -1;
    for (uint32_t j = 1; j <= need; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return -1;
      c = c << 6 | (s[i + j] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return -1;
    i += need + 1;
    if (c < 0x10000) {
      units[k++] = (uint16_t)c;
    } else {
      units[k++] = (uint16_t)(0xd800 + ((c - 0x10000) >> 10));
      units[k++] = (uint16_t)(0xdc00 + ((c - 0x10000) & 0x3ff));
    }
  }
  return k;
}

/* dir-listing.ts cookieOf, bit for bit; false if the name is not UTF-8. */
static bool cookie_of(const char *name, size_t len, uint64_t *cookie) {
  uint16_t units[NAME_MAX_BYTES];
  int n = len <= NAME_MAX_BYTES ? utf16_of((const unsigned char *)name, len, units) : -1;
  if (n < 0) return false;
  uint32_t a = 0x9e3779b9u ^ (uint32_t)n, b = 0x85ebca6bu;
  for (int i = 0; i < n; i++) {
    a = (a ^ units[i]) * 0x01000193u;
    b = (b ^ units[i]) * 0x27d4eb2du;
  }
  a = (a ^ (a >> 16)) * 0x7feb352du;
  b = (b ^ (b >> 15)) * 0x846ca68bu;
  a ^= b >> 7;
  *cookie = ((uint64_t)((b >> 12) & 0xfffff) << 32) + a + DOT_COOKIES + 1;
  return true;
}

static bool push(listing *l, const char *name, size_t len, uint64_t cookie, unsigned char type) {
  if (!strata_cover((void **)&l->items, &l->cap, l->count, sizeof *l->items) ||
      !strata_cover((void **)&l->names, &l->names_cap, l->names_used + len, 1))
    return false;
  memcpy(l->names + l->names_used, name, len + 1);
  l->items[l->count++] = (listed){.at = l->names_used, .len = len, .cookie = cookie, .type = type};
  l->names_used += len + 1;
  return true;
}

/*
 * The directory's entries after '.' and '..', unsorted; false when JavaScript must list it. Only
 * directories and regular files can be nodes the table knows: any other type goes to JavaScript.
 */
static bool read_entries(const char *path, listing *l) {
  DIR *d = opendir(path);
  if (!d) return false;
  bool ok = push(l, ".", 1, 1, DT_DIR) && push(l, "..", 2, 2, DT_DIR);
  struct dirent *e;
  while (ok && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t len = strlen(e->d_name);
    uint64_t cookie;
    bool node_type = e->d_type == DT_DIR || e->d_type == DT_REG;
    ok = node_type && l->count < LISTING_MAX + DOT_COOKIES && cookie_of(e->d_name, len, &cookie) &&
         push(l, e->d_name, len, cookie, e->d_type);
  }
  closedir(d);
  for (size_t i = 0; ok && i < l->count; i++) l->items[i].name = l->names + l->items[i].at;
  return ok;
}

static int by_cookie(const void *x, const void *y) {
  const listed *a = x, *b = y;
  if (a->cookie != b->cookie) return a->cookie < b->cookie ? -1 : 1;
  return strcmp(a->name, b->name);
}

/* The index of the first entry after offset (dir-listing.ts firstAfter). */
static size_t first_after(const listing *l, uint64_t offset) {
  size_t lo = 0, hi = l->count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (l->items[mid].cookie <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static size_t dirent_size(const listed *e, bool plus) {
  return (plus ? ENTRY_OUT : 0) + ((DIRENT_BASE + e->len + 7) & ~(size_t)7);
}

/* How many entries from start fit in size bytes, never ending inside a run of equal cookies (dir-listing.ts). */
static size_t fitting(const listing *l, size_t start, size_t size, bool plus, size_t *bytes) {
  size_t end = start;
  *bytes = 0;
  for (; end < l->count && *bytes + dirent_size(&l->items[end], plus) <= size; end++)
    *bytes += dirent_size(&l->items[end], plus);
  if (end == l->count || end == start) return end - start;
  size_t back = end;
  while (back > start && l->items[back - 1].cookie == l->items[end].cookie) back--;
  if (back == start) return end - start;
  for (size_t k = back; k < end; k++) *bytes -= dirent_size(&l->items[k], plus);
  return back - start;
}

/*
 * Writes one entry at out (zeroed): the kernel's node for it and, for a directory's direntplus, its
 * attributes; false when the entry is not one this can answer.
 */
static bool put_entry(const strata_listing_dir *dir, const listed *e, bool plus, char *out, uint64_t *linked) {
  const char *name = e->name;
  uint64_t ino = dir->ino;
  *linked = 0;
  if (e->cookie > DOT_COOKIES) {
    char path[PATH_MAX];
    strata_held_node node;
    if (snprintf(path, sizeof path, "%s/%s", dir->path, name) >= (int)sizeof path) return false;
    if (!dir->held(dir->ctx, path, &node) || node.dir != (e->type == DT_DIR)) return false;
    ino = node.ino;
    if (plus && node.dir) {
      struct stat st;
      if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
      uint32_t nlink = node.merged ? 1 : (uint32_t)st.st_nlink;
      strata_entry_out(out, node.nodeid, dir->entry_seconds, dir->attr_seconds, &st, node.ino, nlink);
      *linked = node.nodeid;
    }
  }
  char *d = out + (plus ? ENTRY_OUT : 0);
  strata_put64(d, ino);
  strata_put64(d + 8, e->cookie);
  strata_put32(d + 16, (uint32_t)e->len);
  strata_put32(d + 20, e->type);
  memcpy(d + DIRENT_BASE, name, e->len);
  return true;
}

/* The reply for count entries from start, written out; false (nothing written) if one cannot be answered here. */
static bool reply(int fd, const char *req, const strata_listing_dir *dir, const listing *l, size_t start,
                  size_t count, size_t bytes, bool plus) {
  char *out = calloc(1, STRATA_OUT_HEADER + bytes);
  uint64_t *linked = calloc(count ? count : 1, sizeof *linked);
  bool ok = out && linked;
  size_t at = STRATA_OUT_HEADER;
  for (size_t i = 0; ok && i < count; i++) {
    const listed *e = &l->items[start + i];
    ok = put_entry(dir, e, plus, out + at, &linked[i]);
    at += dirent_size(e, plus);
  }
  if (ok) {
    strata_out_header(out, (uint32_t)at, 0, req);
    /* counted before the write: a reply the kernel withdrew leaves a count too high, which only keeps a node */
    for (size_t i = 0; i < count; i++)
      if (linked[i]) dir->linked(dir->ctx, linked[i]);
    ok = strata_fuse_reply(fd, out, at);
  }
  free(out);
  free(linked);
  return ok;
}

bool strata_listing_answer(int fd, const char *req, size_t len, const strata_listing_dir *dir) {
  uint32_t opcode = strata_u32_at(req + 4);
  if ((opcode != FUSE_READDIR && opcode != FUSE_READDIRPLUS) || len < STRATA_IN_HEADER + READ_IN) return false;
  bool plus = opcode == FUSE_READDIRPLUS;
  uint64_t offset = strata_u64_at(req + STRATA_IN_HEADER + 8);
  uint32_t size = strata_u32_at(req + STRATA_IN_HEADER + 16);
  listing l = {0};
  bool ok = read_entries(dir->path, &l);
  if (ok) {
    qsort(l.items + DOT_COOKIES, l.count - DOT_COOKIES, sizeof *l.items, by_cookie);
    size_t start = first_after(&l, offset), bytes;
    size_t count = fitting(&l, start, size, plus, &bytes);
    ok = reply(fd, req, dir, &l, start, count, bytes, plus);
  }
  free(l.items);
  free(l.names);
  return ok;
}

/* listingCookie(name: Buffer): the cookie the reader gives that name, or null if it is not UTF-8 */
static napi_value js_cookie(napi_env env, napi_callback_info info) {
  strata_args a;
  void *data;
  size_t len;
  if (!strata_get_args(env, info, &a) || !strata_arg_buffer(&a, 0, &data, &len)) return NULL;
  uint64_t cookie;
  napi_value out;
  if (!cookie_of(data, len, &cookie) || memchr(data, '\0', len)) {
    NAPI_OK(env, napi_get_null(env, &out));
    return out;
  }
  NAPI_OK(env, napi_create_double(env, (double)cookie, &out));
  return out;
}

void strata_init_fuse_listing(napi_env env, napi_value exports) {
  static const strata_export list[] = {{"listingCookie", js_cookie}, {NULL, NULL}};
  strata_define(env, exports, list);
}
