/*
 * Arrays indexed by node id, as the reader's answerers keep them (fuse-bare.c, fuse-writers.c,
 * fuse-upper.c): node ids are small, dense and reused, so an array grown on demand costs less than a
 * hash table; ids from STRATA_MAX_NODE_ID up are never kept (their requests go to JavaScript).
 */
#ifndef STRATA_NODE_TABLE_H
#define STRATA_NODE_TABLE_H
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STRATA_MAX_NODE_ID (1ULL << 28)

/*
 * Grows *items (*count of them, `size` bytes each) until index is inside, doubling from 1024, the
 * new items zeroed; false when memory ran out (nothing changed then).
 */
static inline bool strata_cover(void **items, size_t *count, size_t index, size_t size) {
  if (index < *count) return true;
  size_t n = *count ? *count : 1024;
  while (n <= index) n *= 2;
  char *grown = realloc(*items, n * size);
  if (!grown) return false;
  memset(grown + *count * size, 0, (n - *count) * size);
  *items = grown;
  *count = n;
  return true;
}
#endif
