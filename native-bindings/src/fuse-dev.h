/* Passthrough's /dev/fuse ioctls (fuse-dev.c), for the reader's own opens (fuse-create.c). */
#ifndef STRATA_FUSE_DEV_H
#define STRATA_FUSE_DEV_H
#include <stdint.h>

/* Registers backing_fd as a passthrough backing file: its id (above 0), or -1 with errno. */
int strata_backing_open(int fuse_fd, int backing_fd);
/* Drops a backing id: 0, or -1 with errno. */
int strata_backing_close(int fuse_fd, uint32_t id);
#endif
