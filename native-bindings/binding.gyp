{
  "targets": [
    {
      "target_name": "strata_native",
      "sources": [
        "src/addon.c",
        "src/napi-util.c",
        "src/nodes.c",
        "src/xattr.c",
        "src/rename.c",
        "src/attrs.c",
        "src/openat2.c",
        "src/copy.c",
        "src/sync-files.c",
        "src/mount.c",
        "src/fuse-dev.c",
        "src/fuse-reader.c",
        "src/fuse-poll.c",
        "src/fuse-bare.c",
        "src/fuse-writers.c",
        "src/fuse-upper.c",
        "src/fuse-create.c",
        "src/fuse-listing.c",
        "src/path-index.c",
        "src/fuse-setattr.c",
        "src/peercred.c",
        "src/warm-cache.c"
      ],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
