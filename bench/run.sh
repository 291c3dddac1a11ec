#!/usr/bin/env bash
# The benchmark, in one command (see bench/README.md):
#   bench/run.sh                      # everything, ~15 minutes: results in bench/results/
#   bench/run.sh --duration 5         # shorter runs; any option of bench/harness.py passes through
# It installs wrk (Debian) when missing, starts PostgreSQL on 127.0.0.1:5432 when it does not
# answer, builds the release binary as the image does (`pgo/cargo.sh build --release --locked`),
# and runs bench/harness.py.
# Never part of `cargo test` or CI: it takes minutes and wants the machine to itself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '[bench] %s\n' "$*"; }

ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v pgbench >/dev/null || missing+=(postgresql-client postgresql-contrib)
  command -v psql >/dev/null || missing+=(postgresql-client)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}


ensure_tools
bash "$root/scripts/ensure-postgres.sh"
target="${CARGO_TARGET_DIR:-$root/target}"
if [[ -z "${BENCH_BINARY:-}" ]]; then
  # The binary the image ships: the release build with the recorded profile (pgo/).
  log "pgo/cargo.sh build --release --locked"
  "$root/pgo/cargo.sh" build --release --locked --quiet -p products-api
  triple="$(rustc --print host-tuple)"
  # A copy, so a concurrent release build cannot swap the binary under a running benchmark.
  mkdir -p "$target/bench"
  cp "$target/$triple/release/products-api" "$target/bench/products-api"
  BENCH_BINARY="$target/bench/products-api"
fi
if [[ -z "${BENCH_RECEIVER:-}" ]]; then
  log "cargo build --release --locked (tools/otlp-receiver)"
  cargo build --release --locked --quiet -p otlp-receiver
  BENCH_RECEIVER="$target/release/otlp-receiver"
fi
if [[ -z "${BENCH_REFERENCE:-}" ]]; then
  log "cargo build --release --locked (bench/reference: plain axum + sqlx)"
  cargo build --release --locked --quiet --manifest-path "$root/bench/reference/Cargo.toml" \
    --target-dir "$target/reference"
  BENCH_REFERENCE="$target/reference/release/axum-sqlx-reference"
fi
exec python3 "$root/bench/harness.py" --binary "$BENCH_BINARY" --reference "$BENCH_REFERENCE" \
  --receiver "$BENCH_RECEIVER" \
  --work "$target/bench" "$@"
