/* The reader's READDIR and READDIRPLUS of a directory no lower layer shows (fuse-listing.c). */
#ifndef STRATA_FUSE_LISTING_H
#define STRATA_FUSE_LISTING_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A node the kernel holds, as the table of upper nodes knows it. */
typedef struct {
  uint64_t nodeid;
  uint64_t ino;
  bool dir;
  bool merged; /* a directory merged with a lower one: nlink 1 */
} strata_held_node;

/* The directory to list, and how to learn about its entries' nodes. */
typedef struct {
  const char *path; /* its upper path */
  uint64_t ino;     /* its node's inode number ('.' and '..' carry it) */
  uint64_t attr_seconds;
  uint64_t entry_seconds;
  /* whether the kernel holds a node at path (then *out is it) */
  bool (*held)(void *ctx, const char *path, strata_held_node *out);
  /* a direntplus linking the node went out: the kernel counts one lookup */
  void (*linked)(void *ctx, uint64_t nodeid);
  void *ctx;
} strata_listing_dir;

/* Answers the READDIR or READDIRPLUS in req for dir; false leaves it to JavaScript (nothing written). */
bool strata_listing_answer(int fd, const char *req, size_t len, const strata_listing_dir *dir);

void strata_init_fuse_listing(napi_env env, napi_value exports);
#endif
