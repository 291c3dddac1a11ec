#!/usr/bin/env bash
# Makes sure PostgreSQL answers at 127.0.0.1:5432: starts the machine's cluster when it is down,
# installs Debian's postgresql first when there is none, and fails loudly when it still does not
# answer. Used by scripts/test.sh and bench/run.sh.
set -euo pipefail

pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && exit 0
echo "PostgreSQL is down; starting it"
if ! command -v pg_ctlcluster >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
  sleep 1
done
echo "error: PostgreSQL does not answer at 127.0.0.1:5432; the PostgreSQL tests cannot run" >&2
exit 1
