/* Module entry of the strata addon: registers every syscall family and its constants. */
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "families.h"
#include "napi-util.h"

static void set_const(napi_env env, napi_value obj, const char *name, int64_t value) {
  napi_set_named_property(env, obj, name, strata_int64(env, value));
}

static void define_constants(napi_env env, napi_value exports) {
  napi_value c;
  napi_create_object(env, &c);
  set_const(env, c, "AT_FDCWD", AT_FDCWD);
  set_const(env, c, "AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW);
  set_const(env, c, "AT_EMPTY_PATH", AT_EMPTY_PATH);
  set_const(env, c, "XATTR_CREATE", XATTR_CREATE);
  set_const(env, c, "XATTR_REPLACE", XATTR_REPLACE);
  set_const(env, c, "RENAME_NOREPLACE", RENAME_NOREPLACE);
  set_const(env, c, "RENAME_EXCHANGE", RENAME_EXCHANGE);
  set_const(env, c, "RENAME_WHITEOUT", RENAME_WHITEOUT);
  set_const(env, c, "RESOLVE_BENEATH", RESOLVE_BENEATH);
  set_const(env, c, "RESOLVE_NO_MAGICLINKS", RESOLVE_NO_MAGICLINKS);
  set_const(env, c, "RESOLVE_NO_SYMLINKS", RESOLVE_NO_SYMLINKS);
  set_const(env, c, "RESOLVE_NO_XDEV", RESOLVE_NO_XDEV);
  set_const(env, c, "RESOLVE_IN_ROOT", RESOLVE_IN_ROOT);
  set_const(env, c, "O_PATH", O_PATH);
  set_const(env, c, "O_DIRECTORY", O_DIRECTORY);
  set_const(env, c, "O_NOFOLLOW", O_NOFOLLOW);
  set_const(env, c, "O_CLOEXEC", O_CLOEXEC);
  set_const(env, c, "MS_RDONLY", MS_RDONLY);
  set_const(env, c, "MS_NOSUID", MS_NOSUID);
  set_const(env, c, "MS_NODEV", MS_NODEV);
  set_const(env, c, "MS_NOEXEC", MS_NOEXEC);
  set_const(env, c, "MNT_FORCE", MNT_FORCE);
  set_const(env, c, "MNT_DETACH", MNT_DETACH);
  set_const(env, c, "UMOUNT_NOFOLLOW", UMOUNT_NOFOLLOW);
  set_const(env, c, "S_IFCHR", S_IFCHR);
  set_const(env, c, "S_IFBLK", S_IFBLK);
  set_const(env, c, "S_IFIFO", S_IFIFO);
  set_const(env, c, "S_IFREG", S_IFREG);
  set_const(env, c, "S_IFSOCK", S_IFSOCK);
  napi_set_named_property(env, exports, "constants", c);
}

static napi_value init(napi_env env, napi_value exports) {
  define_constants(env, exports);
  strata_init_nodes(env, exports);
  strata_init_xattr(env, exports);
  strata_init_rename(env, exports);
  strata_init_attrs(env, exports);
  strata_init_openat2(env, exports);
  strata_init_copy(env, exports);
  strata_init_sync_files(env, exports);
  strata_init_mount(env, exports);
  strata_init_fuse_dev(env, exports);
  strata_init_fuse_reader(env, exports);
  strata_init_fuse_poll(env, exports);
  strata_init_fuse_bare(env, exports);
  strata_init_fuse_writers(env, exports);
  strata_init_fuse_upper(env, exports);
  strata_init_fuse_listing(env, exports);
  strata_init_peercred(env, exports);
  strata_init_warm_cache(env, exports);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
