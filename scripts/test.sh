#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a used one:
#   1. starts PostgreSQL when 127.0.0.1:5432 does not answer (fails loudly if it cannot);
#   2. `cargo test --workspace` — unit tests and the integration tests against a real SQLite
#      file and real PostgreSQL databases (created and dropped per test; never skipped);
#   3. the OpenAPI document: committed == generated (also a cargo test) and valid OpenAPI 3;
#   4. every further check script present in scripts/check-*.sh (infrastructure, clients, …).
# Usage: scripts/test.sh            (TEST_PG_ADMIN_URL overrides the PostgreSQL admin URL)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="$root/target/tools"
export TEST_PG_ADMIN_URL="${TEST_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

log() { printf '\n=== %s\n' "$*"; }


validate_openapi() {
  local venv="$tools/openapi-validator"
  if [[ ! -x "$venv/bin/openapi-spec-validator" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check openapi-spec-validator==0.9.0
  fi
  "$venv/bin/openapi-spec-validator" openapi/openapi.json
}

bash "$root/scripts/ensure-postgres.sh"

log "cargo test --workspace"
cargo test --workspace --locked

log "OpenAPI document is valid OpenAPI 3"
validate_openapi

export PRODUCTS_API_BIN="$root/target/debug/products-api"
for check in scripts/check-*.sh; do
  [[ -e "$check" ]] || continue
  log "$check"
  bash "$check"
done
