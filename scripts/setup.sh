#!/usr/bin/env bash
# Installs everything strata and its tests need on a fresh Debian machine (run as root):
# the Debian packages stratad runs (xz-utils and bzip2 decode xz and bzip2 layers and archives) and the tests
# use as oracles and tools, the npm packages (whose install
# script builds the native addon with node-gyp), the TypeScript build, the group `strata`
# whose members may use the daemon, and the commands strata, stratad and strata-overlay in
# /usr/local/bin (links into this checkout). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# runc: the OCI runtime `strata run` uses (docs/decisions.md says why not crun).
APT_PACKAGES=(fuse3 fuse-overlayfs attr acl busybox-static docker-registry skopeo systemd python3 procps util-linux openssl fio stress-ng xz-utils bzip2 zstd gzip runc podman)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

modprobe overlay 2>/dev/null || true
modprobe fuse 2>/dev/null || true
[ -c /dev/fuse ] || { echo "setup: /dev/fuse is missing" >&2; exit 1; }

# npm ci runs the root package's install script: node-gyp rebuild of native-bindings/.
npm ci --no-audit --no-fund
test -f native-bindings/build/Release/strata_native.node || { echo "setup: the native addon did not build" >&2; exit 1; }
npm run build

getent group strata >/dev/null || groupadd --system strata
for cmd in strata stratad strata-overlay; do
  target=$(node -p "require('./package.json').bin['$cmd']")
  ln -sfn "$PWD/$target" "/usr/local/bin/$cmd"
done
mkdir -p /usr/local/share/doc/strata
ln -sfn "$PWD/README.md" /usr/local/share/doc/strata/README.md
