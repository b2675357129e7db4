/*
 * The SETATTR changes the reader's answerers make themselves (fuse-writers.c through a node's
 * writable descriptor, fuse-upper.c through a regular file's upper path), in overlay/setattr.ts's
 * order, and the reply they give. A size change is never made here: it is JavaScript's.
 */
#ifndef STRATA_FUSE_SETATTR_H
#define STRATA_FUSE_SETATTR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRATA_FUSE_SETATTR 4
/* fuse_setattr_in */
#define STRATA_SETATTR_IN 88
/* fuse_setattr_in.valid bits the answerers look at before they answer */
#define STRATA_FATTR_MODE (1 << 0)
#define STRATA_FATTR_UID (1 << 1)
#define STRATA_FATTR_GID (1 << 2)
#define STRATA_FATTR_SIZE (1 << 3)
#define STRATA_FATTR_KILL_SUIDGID (1 << 11)
/* fuse_setattr_in's mode, uid and gid: their offsets in the request's body */
#define STRATA_SETATTR_MODE_AT 68
#define STRATA_SETATTR_UID_AT 76
#define STRATA_SETATTR_GID_AT 80

/* Where the changes go: an open descriptor, or (fd -1) a path that is not followed if it is a symlink. */
typedef struct {
  int fd;
  const char *path;
} strata_setattr_target;

/*
 * Makes the changes of the SETATTR in `req` (`len` bytes, its valid bits without a size change) on
 * `target` and writes the reply to `fuse_fd`: the target's stat after the changes with inode number
 * `ino` (and nlink 1 with `merged`: a directory merged with a lower one, as overlayfs shows it), valid
 * `attr_seconds`, or the errno a change failed with. False when the reply did not go out.
 */
bool strata_setattr_answer(int fuse_fd, const char *req, strata_setattr_target target, uint64_t ino, bool merged,
                           uint64_t attr_seconds);
#endif
