/*
 * The path index (path-index.h): open addressing with linear probing, at most half full, a slot
 * freed by shifting back the slots of its run that probed past it (no tombstones, so lookups stay
 * short however many paths come and go).
 * Tests: test/integration/fuse-upper-readdir.test.ts
 */
#include "path-index.h"

#include <stdlib.h>
#include <string.h>

#define FIRST_CAP 1024

/* FNV-1a over the path's bytes */
static uint64_t hash_of(const char *path) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) h = (h ^ *p) * 0x100000001b3ULL;
  return h;
}

/* The slot holding path, or the free slot where it would go. */
static size_t probe(const strata_path_index *x, const char *path, uint64_t hash) {
  size_t i = hash & (x->cap - 1);
  while (x->slots[i].path && (x->slots[i].hash != hash || strcmp(x->slots[i].path, path) != 0))
    i = (i + 1) & (x->cap - 1);
  return i;
}

static bool grow(strata_path_index *x) {
  size_t cap = x->cap ? x->cap * 2 : FIRST_CAP;
  strata_path_slot *slots = calloc(cap, sizeof *slots);
  if (!slots) return false;
  strata_path_index bigger = {.slots = slots, .cap = cap, .used = x->used};
  for (size_t i = 0; i < x->cap; i++)
    if (x->slots[i].path) bigger.slots[probe(&bigger, x->slots[i].path, x->slots[i].hash)] = x->slots[i];
  free(x->slots);
  *x = bigger;
  return true;
}

bool strata_index_add(strata_path_index *x, const char *path, uint32_t id) {
  if ((x->used + 1) * 2 > x->cap && !grow(x)) return false;
  uint64_t hash = hash_of(path);
  size_t i = probe(x, path, hash);
  if (!x->slots[i].path) x->used++;
  x->slots[i] = (strata_path_slot){.hash = hash, .path = path, .id = id};
  return true;
}

/* Whether slot j's entry, which hashed to `home`, may move back to the free slot `gap`. */
static bool may_fill(size_t gap, size_t j, size_t home) {
  return gap <= j ? (home <= gap || home > j) : (home <= gap && home > j);
}

void strata_index_remove(strata_path_index *x, const char *path, uint32_t id) {
  if (!x->cap) return;
  size_t gap = probe(x, path, hash_of(path));
  if (!x->slots[gap].path || x->slots[gap].id != id) return;
  x->slots[gap].path = NULL;
  x->used--;
  for (size_t j = (gap + 1) & (x->cap - 1); x->slots[j].path; j = (j + 1) & (x->cap - 1)) {
    if (!may_fill(gap, j, x->slots[j].hash & (x->cap - 1))) continue;
    x->slots[gap] = x->slots[j];
    x->slots[j].path = NULL;
    gap = j;
  }
}

uint32_t strata_index_find(const strata_path_index *x, const char *path) {
  if (!x->cap) return 0;
  const strata_path_slot *s = &x->slots[probe(x, path, hash_of(path))];
  return s->path ? s->id : 0;
}

void strata_index_free(strata_path_index *x) {
  free(x->slots);
  *x = (strata_path_index){0};
}
