/*
 * SETATTR made by the reader itself (fuse-setattr.h): owner, mode, the setid drop a chown asks for
 * (KILL_SUIDGID) and times, on a descriptor or a path, in overlay/setattr.ts's order (setattrFd,
 * setattr), answered with the fuse_attr_out JavaScript would give.
 * Tests: test/integration/fuse-writers.test.ts, test/integration/fuse-upper.test.ts
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse-setattr.h"
#include "fuse-wire.h"

/* fuse_setattr_in.valid bits (fuse-setattr.h has the ones answerers look at) */
#define FATTR_MODE STRATA_FATTR_MODE
#define FATTR_UID STRATA_FATTR_UID
#define FATTR_GID STRATA_FATTR_GID
#define FATTR_ATIME (1 << 4)
#define FATTR_MTIME (1 << 5)
#define FATTR_ATIME_NOW (1 << 7)
#define FATTR_MTIME_NOW (1 << 8)
#define FATTR_KILL_SUIDGID STRATA_FATTR_KILL_SUIDGID

static int stat_of(strata_setattr_target t, struct stat *st) {
  return t.fd >= 0 ? fstat(t.fd, st) : lstat(t.path, st);
}

static int chown_of(strata_setattr_target t, uid_t uid, gid_t gid) {
  return t.fd >= 0 ? fchown(t.fd, uid, gid) : fchownat(AT_FDCWD, t.path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

static int chmod_of(strata_setattr_target t, mode_t mode) {
  return t.fd >= 0 ? fchmod(t.fd, mode) : chmod(t.path, mode);
}

static int utimens_of(strata_setattr_target t, const struct timespec times[2]) {
  return t.fd >= 0 ? futimens(t.fd, times) : utimensat(AT_FDCWD, t.path, times, AT_SYMLINK_NOFOLLOW);
}

/* One of the two times utimensat gets: left alone, now, or the request's seconds and nanoseconds. */
static struct timespec time_of(uint32_t valid, uint32_t set, uint32_t now, const char *sec, const char *nsec) {
  if (!(valid & set)) return (struct timespec){.tv_nsec = UTIME_OMIT};
  if (valid & now) return (struct timespec){.tv_nsec = UTIME_NOW};
  return (struct timespec){.tv_sec = (time_t)strata_u64_at(sec), .tv_nsec = strata_u32_at(nsec)};
}

/* The changes of one SETATTR (`in`: its fuse_setattr_in); 0 or a negative errno. */
static int apply(strata_setattr_target t, uint32_t valid, const char *in) {
  if (valid & (FATTR_UID | FATTR_GID)) {
    uid_t uid = valid & FATTR_UID ? strata_u32_at(in + STRATA_SETATTR_UID_AT) : (uid_t)-1;
    gid_t gid = valid & FATTR_GID ? strata_u32_at(in + STRATA_SETATTR_GID_AT) : (gid_t)-1;
    if (chown_of(t, uid, gid) != 0) return -errno;
  }
  if ((valid & FATTR_MODE) && chmod_of(t, strata_u32_at(in + STRATA_SETATTR_MODE_AT) & 07777) != 0) return -errno;
  if ((valid & FATTR_KILL_SUIDGID) && !(valid & FATTR_MODE)) {
    /* setuid goes, and setgid where group-exec is set (overlay/setattr.ts setidKept) */
    struct stat st;
    if (stat_of(t, &st) != 0) return -errno;
    mode_t kill = st.st_mode & S_ISUID;
    if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)) kill |= S_ISGID;
    if (kill && chmod_of(t, st.st_mode & ~kill & 07777) != 0) return -errno;
  }
  if (valid & (FATTR_ATIME | FATTR_MTIME)) {
    struct timespec times[2] = {time_of(valid, FATTR_ATIME, FATTR_ATIME_NOW, in + 32, in + 56),
                                time_of(valid, FATTR_MTIME, FATTR_MTIME_NOW, in + 40, in + 60)};
    if (utimens_of(t, times) != 0) return -errno;
  }
  return 0;
}

bool strata_setattr_answer(int fuse_fd, const char *req, strata_setattr_target target, uint64_t ino, bool merged,
                           uint64_t attr_seconds) {
  const char *in = req + STRATA_IN_HEADER;
  char out[STRATA_OUT_HEADER + STRATA_ATTR_OUT] = {0};
  struct stat st;
  int32_t error = apply(target, strata_u32_at(in), in);
  if (error == 0 && stat_of(target, &st) != 0) error = -errno;
  uint32_t out_len = error == 0 ? STRATA_OUT_HEADER + STRATA_ATTR_OUT : STRATA_OUT_HEADER;
  strata_out_header(out, out_len, error, req);
  if (error == 0) strata_attr_out(out + STRATA_OUT_HEADER, attr_seconds, &st, ino, merged ? 1 : (uint32_t)st.st_nlink);
  return strata_fuse_reply(fuse_fd, out, out_len);
}
