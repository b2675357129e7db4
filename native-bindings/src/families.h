/* One init function per syscall family; each adds its functions to the exports object. */
#ifndef STRATA_FAMILIES_H
#define STRATA_FAMILIES_H
#include <node_api.h>
void strata_init_nodes(napi_env env, napi_value exports);
void strata_init_xattr(napi_env env, napi_value exports);
void strata_init_rename(napi_env env, napi_value exports);
void strata_init_attrs(napi_env env, napi_value exports);
void strata_init_openat2(napi_env env, napi_value exports);
void strata_init_copy(napi_env env, napi_value exports);
void strata_init_sync_files(napi_env env, napi_value exports);
void strata_init_mount(napi_env env, napi_value exports);
void strata_init_fuse_dev(napi_env env, napi_value exports);
void strata_init_fuse_reader(napi_env env, napi_value exports);
void strata_init_fuse_poll(napi_env env, napi_value exports);
void strata_init_fuse_bare(napi_env env, napi_value exports);
void strata_init_fuse_writers(napi_env env, napi_value exports);
void strata_init_fuse_upper(napi_env env, napi_value exports);
void strata_init_fuse_listing(napi_env env, napi_value exports);
void strata_init_peercred(napi_env env, napi_value exports);
void strata_init_warm_cache(napi_env env, napi_value exports);
#endif
