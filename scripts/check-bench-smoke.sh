#!/usr/bin/env bash
# The benchmark harness (bench/) still runs end to end: every workload through wrk and pgbench,
# both databases, telemetry on and off, the chart. About 40 s; the figures mean nothing here.
# The benchmark itself (bench/run.sh) is never run by CI.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../bench/check.sh" --smoke
