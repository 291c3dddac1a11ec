#!/usr/bin/env bash
# Makes sure PostgreSQL answers at 127.0.0.1:5432 and lets the tests' user in: starts the
# machine's cluster when it is down, installs Debian's postgresql first when there is none, and
# fails loudly when it still does not answer or refuses the login. Used by scripts/test.sh and
# bench/run.sh. The login is TEST_PG_ADMIN_URL's, by default postgres@127.0.0.1 without a password.
set -euo pipefail

admin_url="${TEST_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
installed_here=false

newest_cluster() {
  find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1
}

can_log_in() {
  psql "$admin_url" -Atqc 'SELECT 1' >/dev/null 2>&1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL is down; starting it"
  if ! command -v pg_ctlcluster >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    installed_here=true
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(newest_cluster)" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "error: PostgreSQL does not answer at 127.0.0.1:5432; the PostgreSQL tests cannot run" >&2
    exit 1
  fi
fi

if ! can_log_in && [[ "$installed_here" == true ]]; then
  # A cluster this script just installed is a scratch test server; Debian's defaults want a
  # password over TCP, so let the tests' user in from loopback, as on the CI machines.
  version="$(newest_cluster)"
  sed -i '1i host all postgres 127.0.0.1/32 trust' "/etc/postgresql/$version/main/pg_hba.conf"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  sleep 1
fi
if ! can_log_in; then
  echo "error: PostgreSQL answers at 127.0.0.1:5432 but refuses the tests' login" \
    "(TEST_PG_ADMIN_URL, by default postgres@127.0.0.1 without a password);" \
    "allow it (trust on loopback) or set TEST_PG_ADMIN_URL" >&2
  exit 1
fi
