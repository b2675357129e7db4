/* The table of nodes known to live in upper/ (fuse-upper.c) as the event-loop reader uses it. */
#ifndef STRATA_FUSE_UPPER_H
#define STRATA_FUSE_UPPER_H
#include <node_api.h>
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
 * Answers GETATTR of a known node, a LOOKUP that finds nothing in a known directory, a SETATTR of a
 * known regular file, a listing or a removal in an upper-only directory; false leaves the request
 * to JavaScript. A removal fills `note` (STRATA_NOTE_LEN bytes, *noted set), answered or not:
 * JavaScript must hear of it before the requests that follow.
 */
bool strata_upper_answer(upper_nodes *u, int fd, const char *req, size_t len, char *note, bool *noted);
#endif
