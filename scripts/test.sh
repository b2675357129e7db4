#!/usr/bin/env bash
# The whole test suite, as CI runs it: set up, build, lint, then every tap test
# (unit and integration, with real mounts), ending with a plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh   # installs, builds
npm run lint
systemd-analyze verify systemd/stratad.service systemd/stratad.socket

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
npx tap 2>&1 | tee "$log" || status=$?
summary=$(grep -aoE '# \{ total: [0-9]+, pass: [0-9]+(, fail: [0-9]+)?' "$log" | tail -1 || true)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
echo "${pass:-0} passed, ${fail:-0} failed"
if [ "$status" -ne 0 ] || [ "${pass:-0}" -eq 0 ]; then exit 1; fi
if grep -E ' - (overlay|fuse[.a-z-]*) ' /proc/self/mountinfo | grep -q '/strata-'; then
  echo "a test left a mount behind" >&2
  exit 1
fi
