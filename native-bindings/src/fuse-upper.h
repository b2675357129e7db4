/* The table of nodes known to live in upper/ (fuse-upper.c) as the event-loop reader uses it. */
#ifndef STRATA_FUSE_UPPER_H
#define STRATA_FUSE_UPPER_H
#include <node_api.h>

#include "fuse-bare.h"
#include <stdbool.h>
#include <stddef.h>

typedef struct upper_nodes upper_nodes;

/* The table behind a value made by createUpperNodes, or NULL for anything else. */
upper_nodes *strata_upper_nodes_of(napi_env env, napi_value value);

/*
 * A note for JavaScript, handed over with the requests as one more: a request with this opcode (the
 * kernel never sends it), the node id of a node whose name the reader removed (UNLINK, RMDIR) in
 * its header, then the lookups the reader counted for it (u64) and whether it was a directory (u32).
 */
#define STRATA_NOTE_REMOVED 0x73740001u
#define STRATA_NOTE_LEN 56
/*
 * A note of a regular file the reader made (CREATE): the new node's id in its header, then the
 * parent's node id, the file handle, the inode number and device (u64 each), the backing id, the
 * open descriptor, whether it is open for writing and whether it is bare (u32 each), then the name
 * and the file's upper path, each with its NUL: at most STRATA_NOTE_MAX bytes.
 */
#define STRATA_NOTE_CREATED 0x73740002u
#define STRATA_NOTE_CREATED_NAME (40 + 48)
#define STRATA_NOTE_MAX (STRATA_NOTE_CREATED_NAME + 256 + 4096)

/*
 * Answers GETATTR of a known node, a LOOKUP that finds nothing in a known directory, a SETATTR of a
 * known regular file, a listing, a removal or a file's CREATE in an upper-only directory; false
 * leaves the request to JavaScript. A removal or creation fills `note` (STRATA_NOTE_MAX bytes of
 * room, its length in its first 4, *noted set): JavaScript must hear of it before the requests
 * that follow. `bare`: the bare set, where a created node is marked (may be NULL).
 */
bool strata_upper_answer(upper_nodes *u, bare_nodes *bare, int fd, const char *req, size_t len, char *note,
                         bool *noted);
#endif
