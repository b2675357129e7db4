/*
 * CREATE of a regular file in a directory no lower layer shows, made by the event-loop reader
 * (fuse-upper.c decides when: see there) as ops/file.ts create and overlay/create.ts createOpen make
 * it for such a directory: the file made in upper/ with O_EXCL and O_NOFOLLOW, owned by the caller,
 * with the mode asked (the kernel took the umask off already), opened with the request's access mode,
 * O_APPEND and O_NOATIME (the other flags are dropped, as there), registered for passthrough, and the
 * entry and open answered in one reply. Here: the request's checks, the file, the reply, and taking
 * a file back when its reply could not go out. Anything else (a setuid or setgid mode, another file
 * type, request extensions, a name that is taken) is refused before anything is made; a step that
 * fails after the file is made takes it back, and JavaScript answers the request.
 * Tests: test/integration/fuse-upper-create.test.ts
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse-create.h"
#include "fuse-dev.h"
#include "fuse-wire.h"

#define CREATE_IN 16
#define ENTRY_OUT 128
#define OPEN_OUT 16
#define FOPEN_PASSTHROUGH (1u << 7)
/* what ops/file.ts passes on to the backing open of a CREATE (PASSED without O_TRUNC); it drops the rest too */
#define PASSED_FLAGS (O_ACCMODE | O_APPEND | O_NOATIME)

const char *strata_create_name(const char *req, size_t len) {
  if (len <= STRATA_IN_HEADER + CREATE_IN || strata_u32_at(req) != len) return NULL;
  /* fuse_in_header's total_extlen: a security context or supplementary groups follow the name */
  uint16_t extlen;
  memcpy(&extlen, req + 36, sizeof extlen);
  return extlen == 0 ? req + STRATA_IN_HEADER + CREATE_IN : NULL;
}

/* The open flags and mode of the request, when the reader may make such a file. */
static bool wanted(const char *req, int *flags, mode_t *perm) {
  uint32_t f = strata_u32_at(req + STRATA_IN_HEADER);
  uint32_t mode = strata_u32_at(req + STRATA_IN_HEADER + 4);
  if ((mode & S_IFMT) != S_IFREG || (mode & 07000) != 0) return false;
  *flags = (int)(f & PASSED_FLAGS);
  *perm = mode & 07777;
  return true;
}

/* Gives the file its owner and mode unless the open did; false when it could not. */
static bool own(int fd, uid_t uid, gid_t gid, mode_t perm, bool as_made) {
  if (as_made) return true;
  return fchown(fd, uid, gid) == 0 && fchmod(fd, perm) == 0;
}

bool strata_create_make(const char *req, const strata_create_at *at, strata_created *made) {
  int flags;
  mode_t perm;
  if (!wanted(req, &flags, &perm)) return false;
  uid_t uid = strata_u32_at(req + 24);
  gid_t gid = strata_u32_at(req + 28);
  /* the open itself gives the daemon's own ids, and the mode when the daemon's umask takes nothing */
  bool as_made = uid == at->own_uid && gid == at->own_gid && (perm & at->umask) == 0;
  int fd = open(at->path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, as_made ? perm : 0600);
  if (fd < 0) return false;
  int32_t backing = -1;
  if (!own(fd, uid, gid, perm, as_made) || fstat(fd, &made->st) != 0 ||
      (backing = strata_backing_open(at->fuse_fd, fd)) <= 0) {
    int saved = errno;
    close(fd);
    unlink(at->path);
    errno = saved;
    return false;
  }
  made->fd = fd;
  made->backing_id = backing;
  made->writable = (flags & O_ACCMODE) != O_RDONLY;
  return true;
}

bool strata_create_reply(const char *req, const strata_create_at *at, const strata_created *made) {
  char out[STRATA_OUT_HEADER + ENTRY_OUT + OPEN_OUT] = {0};
  strata_out_header(out, sizeof out, 0, req);
  char *entry = out + STRATA_OUT_HEADER;
  const struct stat *st = &made->st;
  strata_entry_out(entry, at->nodeid, at->entry_seconds, at->attr_seconds, st, st->st_ino, (uint32_t)st->st_nlink);
  char *open_out = entry + ENTRY_OUT;
  strata_put64(open_out, at->fh);
  strata_put32(open_out + 8, FOPEN_PASSTHROUGH);
  strata_put32(open_out + 12, (uint32_t)made->backing_id);
  return strata_fuse_reply(at->fuse_fd, out, sizeof out);
}

void strata_create_undo(const strata_create_at *at, const strata_created *made) {
  strata_backing_close(at->fuse_fd, (uint32_t)made->backing_id);
  close(made->fd);
  unlink(at->path);
}
