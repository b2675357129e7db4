#!/usr/bin/env bash
# Installs strata (scripts/setup.sh) and starts stratad on its defaults: data root
# /var/lib/strata, socket /run/strata/strata.sock. Under systemd it installs and enables
# stratad.socket and stratad.service; elsewhere it starts stratad in the background with its
# log in /var/log/strata/stratad.log. Does nothing more when a daemon already answers.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

if strata version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  echo "start: stratad is already running ($(strata info --format '{{.RootDir}}, pid {{.Pid}}'))"
  exit 0
fi

if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; then
  install -m 0644 systemd/stratad.service systemd/stratad.socket /etc/systemd/system/
  systemctl daemon-reload
  systemctl enable --now stratad.socket stratad.service
else
  mkdir -p /var/log/strata
  setsid stratad </dev/null >>/var/log/strata/stratad.log 2>&1 &
fi

for _ in $(seq 100); do
  if strata version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    echo "start: stratad is running ($(strata info --format '{{.RootDir}}, socket {{.Socket}}, pid {{.Pid}}'))"
    exit 0
  fi
  sleep 0.1
done
echo "start: stratad did not answer within 10 s; see /var/log/strata/stratad.log or journalctl -u stratad" >&2
exit 1
