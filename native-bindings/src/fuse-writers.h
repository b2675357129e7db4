/* The table of nodes open for writing (fuse-writers.c) as the event-loop reader uses it. */
#ifndef STRATA_FUSE_WRITERS_H
#define STRATA_FUSE_WRITERS_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct writer_nodes writer_nodes;

/* The table behind a value made by createWriterNodes, or NULL for anything else. */
writer_nodes *strata_writer_nodes_of(napi_env env, napi_value value);

/* Answers the request on fd when it is a plain SETATTR of a node open for writing; false leaves it to JS. */
bool strata_writers_answer(writer_nodes *w, int fd, const char *req, size_t len);
#endif
