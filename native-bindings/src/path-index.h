/*
 * A hash index from a path to a node id, as the table of upper nodes (fuse-upper.c) keeps one for its
 * listings: which entry of a directory is a node the kernel holds. The index points at paths it does
 * not own: the table takes a path out of the index before it frees it.
 * Tests: test/integration/fuse-upper-readdir.test.ts (through the listings it serves)
 */
#ifndef STRATA_PATH_INDEX_H
#define STRATA_PATH_INDEX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t hash;
  const char *path; /* NULL: a free slot */
  uint32_t id;
} strata_path_slot;

typedef struct {
  strata_path_slot *slots;
  size_t cap; /* a power of two, or 0 */
  size_t used;
} strata_path_index;

/* Maps path to id (replacing what the path had); false when memory ran out (nothing changed then). */
bool strata_index_add(strata_path_index *x, const char *path, uint32_t id);

/* Takes the path out if it maps to id. */
void strata_index_remove(strata_path_index *x, const char *path, uint32_t id);

/* The id the path maps to, or 0. */
uint32_t strata_index_find(const strata_path_index *x, const char *path);

void strata_index_free(strata_path_index *x);
#endif
