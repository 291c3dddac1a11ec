#!/usr/bin/env bash
# bench/check.sh --smoke: proves the harness still works — every workload through wrk and pgbench,
# PostgreSQL with telemetry exported and SQLite without, start-to-ready, results and chart, then
# one paired round of compare.py against the ceiling — in about 50 s, against an already-built
# binary (PRODUCTS_API_BIN, default target/debug). The figures mean nothing (debug build, 1 s
# runs); the check fails on any harness error or any request error. It writes to
# target/bench-smoke/, never to bench/results/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ "${1:-}" != "--smoke" ]]; then
  echo "usage: bench/check.sh --smoke   (the benchmark itself is bench/run.sh)" >&2
  exit 2
fi
binary="${PRODUCTS_API_BIN:-$root/target/debug/products-api}"
receiver="$root/target/debug/otlp-receiver"
if [[ ! -x "$binary" || ! -x "$receiver" ]]; then
  cargo build --locked --quiet -p products-api -p otlp-receiver
fi
if ! command -v wrk >/dev/null || ! command -v pgbench >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk postgresql-client postgresql-contrib >/dev/null
fi
# The PostgreSQL server the test suite uses (TEST_PG_ADMIN_URL names a database; drop it).
if [[ -n "${TEST_PG_ADMIN_URL:-}" && -z "${BENCH_PG_URL:-}" ]]; then
  export BENCH_PG_URL="${TEST_PG_ADMIN_URL%/*}"
fi
out="$root/target/bench-smoke"
mkdir -p "$out"
timeout 120 python3 "$root/bench/harness.py" --binary "$binary" --receiver "$receiver" \
  --work "$out" --out "$out" --duration 1 --warmup 0 --configs pg_otel,sqlite_off --ready-runs 1 >"$out/harness.log" 2>&1 || {
  cat "$out/harness.log" >&2
  exit 1
}
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
results = json.load(open(f"{out}/results.json"))
workloads = results["parameters"]["workloads"]
for config in ["ceiling"] + results["parameters"]["configs"]:
    missing = [w for w in workloads if w not in results.get(config, {})]
    assert not missing, f"{config}: no result for {missing}"
    for w, r in results[config].items():
        assert r["requests"] > 0, f"{config} {w}: no requests"
        assert r["errors"] == 0, f"{config} {w}: {r['errors']} errors"
spans = results["pg_otel"]["read_one"]["spans_per_request"]
assert spans > 0.5, f"telemetry on, but only {spans:.2f} spans per request reached the OTLP receiver"
assert open(f"{out}/chart.svg").read().startswith("<svg"), "no chart"
print(f"bench smoke: {len(workloads)} workloads × ceiling + {results['parameters']['configs']}: ok")
PY
# compare.py's paired rounds, the ceiling as a side included: one round of 1 s, errors fail it.
timeout 60 python3 "$root/bench/compare.py" --ceiling --binary "$binary" --receiver "$receiver" \
  --config pg_otel --rounds 1 --duration 1 --warmup 0 >"$out/compare.log" 2>&1 || {
  cat "$out/compare.log" >&2
  exit 1
}
if ! grep -q "÷ pgbench ceiling" "$out/compare.log" || grep -Eq "errors [1-9]" "$out/compare.log"; then
  cat "$out/compare.log" >&2
  echo "bench smoke: compare.py gave no ratio, or errors" >&2
  exit 1
fi
echo "bench smoke: compare.py --ceiling: ok"
