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
 * Answers GETATTR of a known node, a LOOKUP that finds nothing in a known directory, or a SETATTR
 * of a known regular file; false leaves the request to JavaScript.
 */
bool strata_upper_answer(upper_nodes *u, int fd, const char *req, size_t len);
#endif
