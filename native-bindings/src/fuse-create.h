/* The reader's CREATE of a regular file in upper/ (fuse-create.c), for fuse-upper.c. */
#ifndef STRATA_FUSE_CREATE_H
#define STRATA_FUSE_CREATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct {
  int fuse_fd;
  /* the new file's upper path */
  const char *path;
  /* what the reply gives the kernel: the node id and file handle JavaScript set aside */
  uint64_t nodeid;
  uint64_t fh;
  uint64_t entry_seconds;
  uint64_t attr_seconds;
  /* the daemon's own ids and umask: a file the open makes as they are needs no chown or chmod */
  uid_t own_uid;
  gid_t own_gid;
  mode_t umask;
} strata_create_at;

typedef struct {
  int fd;
  int32_t backing_id;
  struct stat st;
  bool writable;
} strata_created;

/* The name a CREATE asks for (not yet checked), or NULL for a request the reader leaves alone. */
const char *strata_create_name(const char *req, size_t len);
/* Makes the file, opens and registers it; false (errno set, nothing left) when it is not the reader's to make. */
bool strata_create_make(const char *req, const strata_create_at *at, strata_created *made);
/* Writes the entry and open reply; false when it did not go out. */
bool strata_create_reply(const char *req, const strata_create_at *at, const strata_created *made);
/* Takes a made file back: its backing id, descriptor and name. */
void strata_create_undo(const strata_create_at *at, const strata_created *made);
#endif
