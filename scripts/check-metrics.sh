#!/usr/bin/env bash
# The live /metrics output passes `promtool check metrics` (Prometheus's own linter: names,
# types, units, help text). Installs promtool from Debian's `prometheus` package when missing,
# then starts ${PRODUCTS_API_BIN:-target/debug/products-api} on a scratch SQLite file.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${PRODUCTS_API_BIN:-$root/target/debug/products-api}"

if ! command -v promtool >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
metrics_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
DATABASE_URL="sqlite://$work/products.db?mode=rwc" LISTEN_ADDR="127.0.0.1:$port" \
  METRICS_ADDR="127.0.0.1:$metrics_port" RUST_LOG=warn "$bin" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

api="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS "$api/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
# Traffic on every kind of route and outcome, so every metric has series.
curl -fsS -H 'content-type: application/json' -d '{"name":"ball","quantity":1}' "$api/v1/products" >/dev/null
curl -fsS "$api/v1/products/ball" >/dev/null
curl -sS -o /dev/null "$api/v1/products/nothing"
curl -sS -o /dev/null "$api/no/such/path"
curl -fsS -H 'content-type: application/json' -d '{"delta":1}' "$api/v1/products/ball/adjustments" >/dev/null
curl -sS -o /dev/null -H 'content-type: application/json' -d '{"delta":-9}' "$api/v1/products/ball/adjustments"

curl -fsS "http://127.0.0.1:$metrics_port/metrics" > "$work/metrics.txt"
echo "promtool check metrics: $(grep -vc '^#' "$work/metrics.txt") series"
promtool check metrics < "$work/metrics.txt"
echo "promtool: no problems"
