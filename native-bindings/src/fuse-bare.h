/* The set of bare nodes (fuse-bare.c) as the event-loop reader uses it. */
#ifndef STRATA_FUSE_BARE_H
#define STRATA_FUSE_BARE_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bare_nodes bare_nodes;

/* The set behind a value made by createBareNodes, or NULL for anything else. */
bare_nodes *strata_bare_nodes_of(napi_env env, napi_value value);

/* Answers the request on fd when it is GETXATTR or LISTXATTR of a bare node; false leaves it to JS. */
bool strata_bare_answer(bare_nodes *s, int fd, const char *req, size_t len);

/* Marks a node bare or not, as markBareNode does (the reader's own CREATE); false when memory ran out. */
bool strata_bare_mark(bare_nodes *s, uint64_t id, bool bare);
#endif
