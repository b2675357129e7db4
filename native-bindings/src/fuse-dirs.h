/* The table of directories known in upper/ (fuse-dirs.c) as the event-loop reader uses it. */
#ifndef STRATA_FUSE_DIRS_H
#define STRATA_FUSE_DIRS_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct dir_nodes dir_nodes;

/* The table behind a value made by createDirNodes, or NULL for anything else. */
dir_nodes *strata_dir_nodes_of(napi_env env, napi_value value);

/* Answers GETATTR of a known directory, or a LOOKUP that finds nothing in one; false leaves it to JS. */
bool strata_dirs_answer(dir_nodes *d, int fd, const char *req, size_t len);
#endif
