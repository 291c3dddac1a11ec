#!/usr/bin/env bash
# Records pgo/products-api.profdata.gz, the profile pgo/cargo.sh builds with: an instrumented
# release build serves the benchmark's workloads (bench/, every operation the API has, on
# PostgreSQL and SQLite with telemetry on, 5 s each) and its counters are merged. Run it after a
# change to the request path; about 15 minutes, most of it the instrumented build. Needs the
# machine to itself only for the build's sake: the counters do not depend on the speed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
triple="$(rustc --print host-tuple)"
work="$target/pgo"
rm -rf "$work/counters"
mkdir -p "$work/counters"

rustup component add llvm-tools >/dev/null  # llvm-profdata, matching rustc's LLVM
RUSTFLAGS="-Cprofile-generate=$work/counters" cargo build --release --locked --quiet \
  -p products-api --target "$triple" --target-dir "$work/instrumented"
# Over TLS where the server offers it, as production talks to RDS (the benchmark itself connects
# without it): the profile then covers rustls's record path too.
BENCH_PG_SSLMODE=prefer BENCH_BINARY="$work/instrumented/$triple/release/products-api" bench/run.sh \
  --configs pg_otel,sqlite_otel --no-ceiling --duration 5 --warmup 1 --ready-runs 3 \
  --out "$work/training"

profdata="$(rustc --print sysroot)/lib/rustlib/$triple/bin/llvm-profdata"
# --sparse leaves out functions the workloads never ran; gzip -n keeps the file reproducible.
"$profdata" merge --sparse -o "$work/products-api.profdata" "$work/counters"
gzip -9nc "$work/products-api.profdata" >"$root/pgo/products-api.profdata.gz"
echo "pgo/products-api.profdata.gz: $(stat -c %s pgo/products-api.profdata.gz) bytes"
