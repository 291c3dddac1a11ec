#!/usr/bin/env bash
# The API as its users meet it (issue 5), from outside the process, on SQLite and on a fresh
# PostgreSQL database:
#   1. the TypeScript client generated from openapi/openapi.json (openapi-typescript +
#      openapi-fetch) type-checks with `tsc --strict` and runs the whole v1 flow with Node;
#   2. Swagger UI at /docs in headless Chromium (playwright-core): "Try it out" creates a product
#      and reads it back; screenshot in target/artifacts/swagger-ui.png;
#   3. schemathesis against /openapi.json: every phase (examples, coverage, fuzzing, stateful via
#      the document's links), every check, a fixed seed; any failure fails this script.
# (The Rust client's test runs in `cargo test`: tests/api/rust_client.rs.)
#
# It installs what it needs when missing: Debian's chromium, the npm packages from the
# committed lock files (`npm ci`), schemathesis in a venv under target/tools/.
#
# Environment:
#   PRODUCTS_API_BIN       the service binary (default target/debug/products-api; built if absent)
#   TEST_PG_ADMIN_URL      PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres)
#   SCHEMATHESIS_EXAMPLES  examples per operation and phase (default 300)
#   SCHEMATHESIS_SEED      the seed (default 20261126), or `random`
#   SCHEMATHESIS_STATEFUL_SECONDS  time budget of the extra stateful run (default 60)
#   CHECKS                 which of `typescript browser schemathesis` to run (default all three)
#   BACKENDS               which of `sqlite postgres` to run on (default both)
#
# The longer fuzzing run (10x the examples, 10 minutes of stateful sequences per database, a new
# seed every time, printed so that a failure can be rerun):
#   CHECKS=schemathesis SCHEMATHESIS_EXAMPLES=3000 SCHEMATHESIS_STATEFUL_SECONDS=600 SCHEMATHESIS_SEED=random scripts/check-clients.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

BIN=${PRODUCTS_API_BIN:-target/debug/products-api}
PG_ADMIN_URL=${TEST_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-300}
SEED=${SCHEMATHESIS_SEED:-20261126}
STATEFUL_SECONDS=${SCHEMATHESIS_STATEFUL_SECONDS:-60}
CHECKS=${CHECKS:-typescript browser schemathesis}
BACKENDS=${BACKENDS:-sqlite postgres}

SCHEMATHESIS_VERSION=4.32.5
TOOLS=$ROOT/target/tools
ARTIFACTS=$ROOT/target/artifacts
WORK=$(mktemp -d)

SERVICE_PID=""
PG_DATABASE=""
FAILED=()
PASSED=()

log() { printf '\n== %s\n' "$*"; }

cleanup() {
  stop_service
  drop_pg_database
  rm -rf "$WORK"
}
trap cleanup EXIT

wants() { [[ " $CHECKS " == *" $1 "* ]]; }

# --- tools ---------------------------------------------------------------------------------

ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    return
  fi
  log "installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
}

npm_ci() {
  log "npm ci in $1"
  (cd "$ROOT/$1" && npm ci --no-audit --no-fund --loglevel=error)
}

ensure_schemathesis() {
  local venv=$TOOLS/schemathesis-$SCHEMATHESIS_VERSION
  if ! "$venv/bin/st" --version >/dev/null 2>&1; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  ST=$venv/bin/st
}

ensure_binary() {
  if [[ ! -x $BIN ]]; then
    log "building $BIN"
    cargo build --bin products-api
  fi
}

ensure_postgres() {
  if ! psql "$PG_ADMIN_URL" -XAtqc 'SELECT 1' >/dev/null 2>&1; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 1 30); do
      psql "$PG_ADMIN_URL" -XAtqc 'SELECT 1' >/dev/null 2>&1 && return
      sleep 1
    done
    echo "PostgreSQL at $PG_ADMIN_URL is not reachable" >&2
    return 1
  fi
}

# --- the service ---------------------------------------------------------------------------

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_service NAME DATABASE_URL: runs the binary on free ports; sets BASE_URL.
start_service() {
  local name=$1 database_url=$2 port metrics_port
  port=$(free_port)
  metrics_port=$(free_port)
  BASE_URL=http://127.0.0.1:$port
  DATABASE_URL=$database_url LISTEN_ADDR=127.0.0.1:$port METRICS_ADDR=127.0.0.1:$metrics_port \
    RUST_LOG=${RUST_LOG:-warn} OTEL_SDK_DISABLED=true \
    "$BIN" serve >"$ARTIFACTS/service-$name.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 100); do
    if "$BIN" healthcheck --url "$BASE_URL/readyz" >/dev/null 2>&1; then
      echo "service ($name) at $BASE_URL, pid $SERVICE_PID, log target/artifacts/service-$name.log"
      return
    fi
    if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  echo "the service did not become ready; its log:" >&2
  cat "$ARTIFACTS/service-$name.log" >&2
  return 1
}

stop_service() {
  if [[ -n $SERVICE_PID ]]; then
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=""
  fi
}

create_pg_database() {
  PG_DATABASE=products_api_clients_$$_$RANDOM
  # An ICU-locale database, as RDS creates; the API must not sort by its collation.
  psql "$PG_ADMIN_URL" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $PG_DATABASE TEMPLATE template0 \
    ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
  PG_URL=${PG_ADMIN_URL%/*}/$PG_DATABASE
}

drop_pg_database() {
  if [[ -n $PG_DATABASE ]]; then
    psql "$PG_ADMIN_URL" -XAtq -c "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" >/dev/null || true
    PG_DATABASE=""
  fi
}

# --- the checks ----------------------------------------------------------------------------

# run NAME COMMAND...: runs a check, records its outcome, never stops the script early.
run() {
  local name=$1
  shift
  log "$name"
  if "$@"; then
    PASSED+=("$name")
  else
    FAILED+=("$name")
    echo "FAILED: $name" >&2
  fi
}

typescript_client() {
  (
    cd "$ROOT/clients/typescript"
    # Generates src/schema.d.ts from openapi/openapi.json, then `tsc` with strict settings.
    npm run --silent build
    PRODUCTS_API_URL=$BASE_URL node --test --test-reporter=spec dist/
  )
}

swagger_ui() {
  (
    cd "$ROOT/tests/browser"
    PRODUCTS_API_URL=$BASE_URL SCREENSHOT=$ARTIFACTS/swagger-ui-$1.png \
      node --test --test-reporter=spec swagger-ui.test.mjs
  )
}

fuzz() {
  local backend=$1 seed=$SEED
  if [[ $seed == random ]]; then
    seed=$RANDOM$RANDOM
  fi
  # schemathesis.toml at the root steers generation where the contract demands (see there).
  local st=("$ST" --config-file "$ROOT/schemathesis.toml" run "$BASE_URL/openapi.json"
    --url "$BASE_URL" --checks all --seed "$seed" --generation-database none --workers 1 --no-color)
  echo "schemathesis $SCHEMATHESIS_VERSION, seed $seed: every phase, $EXAMPLES examples per operation"
  "${st[@]}" --phases examples,coverage,fuzzing,stateful --max-examples "$EXAMPLES" \
    --report junit --report-junit-path "$ARTIFACTS/schemathesis-$backend.xml"
  # A pass of the stateful phase ends after a few dozen scenarios whatever the number of
  # examples; a time budget makes it walk the links (create -> get/put/delete/adjust) longer.
  echo "schemathesis, seed $seed: stateful sequences through the links for ${STATEFUL_SECONDS}s"
  "${st[@]}" --phases stateful --max-examples "$EXAMPLES" --max-time "$STATEFUL_SECONDS" \
    --report junit --report-junit-path "$ARTIFACTS/schemathesis-$backend-stateful.xml"
}

on_backend() {
  local backend=$1 url
  case $backend in
    sqlite) url="sqlite://$WORK/products.db?mode=rwc" ;;
    postgres)
      ensure_postgres
      create_pg_database
      url=$PG_URL
      ;;
    *)
      echo "unknown backend $backend" >&2
      return 1
      ;;
  esac
  start_service "$backend" "$url"
  if wants typescript; then run "typescript client ($backend)" typescript_client; fi
  if wants browser; then run "swagger ui in chromium ($backend)" swagger_ui "$backend"; fi
  if wants schemathesis; then run "schemathesis ($backend)" fuzz "$backend"; fi
  stop_service
  drop_pg_database
}

main() {
  mkdir -p "$ARTIFACTS" "$TOOLS"
  ensure_binary
  if wants typescript; then npm_ci clients/typescript; fi
  if wants browser; then
    ensure_chromium
    npm_ci tests/browser
  fi
  if wants schemathesis; then ensure_schemathesis; fi

  for backend in $BACKENDS; do
    on_backend "$backend"
  done
  if [[ -f $ARTIFACTS/swagger-ui-sqlite.png ]]; then
    cp "$ARTIFACTS/swagger-ui-sqlite.png" "$ARTIFACTS/swagger-ui.png"
  fi

  log "summary"
  printf 'passed: %s\n' "${PASSED[@]}"
  if ((${#FAILED[@]})); then
    printf 'FAILED: %s\n' "${FAILED[@]}"
  fi
  echo "${#PASSED[@]} passed, ${#FAILED[@]} failed"
  ((${#FAILED[@]} == 0))
}

main "$@"
