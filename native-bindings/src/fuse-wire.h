/*
 * What the reader's own answerers (fuse-bare.c, fuse-writers.c) share: the FUSE header sizes, little-
 * endian field access in a request or a reply (unaligned: memcpy), and writing a reply to /dev/fuse.
 */
#ifndef STRATA_FUSE_WIRE_H
#define STRATA_FUSE_WIRE_H
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Node ids the answerers' tables keep (an id above is never answered natively). */
#define STRATA_MAX_NODE_ID (1ULL << 28)
/* fuse_in_header and fuse_out_header */
#define STRATA_IN_HEADER 40
#define STRATA_OUT_HEADER 16

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
