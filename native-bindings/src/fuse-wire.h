/*
 * What the reader's own answerers (fuse-bare.c, fuse-writers.c, fuse-upper.c, fuse-listing.c) share: the
 * opcodes they take, the FUSE header sizes, little-endian field access in a request or a reply
 * (unaligned: memcpy), and writing a reply to /dev/fuse.
 */
#ifndef STRATA_FUSE_WIRE_H
#define STRATA_FUSE_WIRE_H
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the opcodes the reader's answerers take (include/uapi/linux/fuse.h; SETATTR is fuse-setattr.h's) */
#define FUSE_LOOKUP 1
#define FUSE_GETATTR 3
#define FUSE_UNLINK 10
#define FUSE_RMDIR 11
#define FUSE_GETXATTR 22
#define FUSE_LISTXATTR 23
#define FUSE_READDIR 28
#define FUSE_CREATE 35
#define FUSE_READDIRPLUS 44

/* fuse_in_header and fuse_out_header */
#define STRATA_IN_HEADER 40
#define STRATA_OUT_HEADER 16
/* fuse_attr_out: attr_valid, its nanoseconds, padding, then fuse_attr */
#define STRATA_ATTR_OUT 104

static inline uint32_t strata_u32_at(const char *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline uint64_t strata_u64_at(const char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void strata_put32(char *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static inline void strata_put64(char *p, uint64_t v) { memcpy(p, &v, sizeof v); }

/*
 * A fuse_attr_out at `out` (zeroed before) from a backing stat, with the node's own inode number and
 * link count, valid for `seconds` (reply.ts attrOut and writeAttr give the same bytes).
 */
static inline void strata_attr_out(char *out, uint64_t seconds, const struct stat *st, uint64_t ino, uint32_t nlink) {
  char *a = out + 16;
  strata_put64(out, seconds);
  strata_put64(a, ino);
  strata_put64(a + 8, (uint64_t)st->st_size);
  strata_put64(a + 16, (uint64_t)st->st_blocks);
  strata_put64(a + 24, (uint64_t)st->st_atim.tv_sec);
  strata_put64(a + 32, (uint64_t)st->st_mtim.tv_sec);
  strata_put64(a + 40, (uint64_t)st->st_ctim.tv_sec);
  strata_put32(a + 48, (uint32_t)st->st_atim.tv_nsec);
  strata_put32(a + 52, (uint32_t)st->st_mtim.tv_nsec);
  strata_put32(a + 56, (uint32_t)st->st_ctim.tv_nsec);
  strata_put32(a + 60, st->st_mode);
  strata_put32(a + 64, nlink);
  strata_put32(a + 68, st->st_uid);
  strata_put32(a + 72, st->st_gid);
  strata_put32(a + 76, (uint32_t)st->st_rdev);
  strata_put32(a + 80, 4096); /* blksize */
}

/*
 * A fuse_entry_out at `out` (zeroed before): the node (generation 0, as reply.ts entryOut), valid for
 * `entry_seconds`, and its attributes as strata_attr_out gives them (attr_valid and attr follow at +24).
 */
static inline void strata_entry_out(char *out, uint64_t nodeid, uint64_t entry_seconds, uint64_t attr_seconds,
                                    const struct stat *st, uint64_t ino, uint32_t nlink) {
  strata_put64(out, nodeid);
  strata_put64(out + 16, entry_seconds);
  strata_attr_out(out + 24, attr_seconds, st, ino, nlink);
}

/* A reply's fuse_out_header: its length, error (0 or a negative errno) and the request's unique. */
static inline void strata_out_header(char *out, uint32_t len, int32_t error, const char *req) {
  strata_put32(out, len);
  memcpy(out + 4, &error, sizeof error);
  memcpy(out + 8, req + 8, 8);
}

/* Writes the reply; false when it did not go out for a reason JavaScript should see and log. */
static inline bool strata_fuse_reply(int fd, const char *out, size_t len) {
  ssize_t n;
  do n = write(fd, out, len);
  while (n < 0 && errno == EINTR);
  /* ENOENT: the request was interrupted and withdrawn, which needs no answer */
  return n == (ssize_t)len || (n < 0 && errno == ENOENT);
}
#endif
