#!/usr/bin/env python3
"""A/B of two or more builds, or configurations, on one workload: short runs alternating
between them (in reverse order every other round), so that a noisy minute on a shared machine
hits every side alike. Reports the median throughput and the median CPU the service spent per
request (less sensitive to neighbours than throughput), and where the machine's CPU per request
went, process by process; for two sides, also the median of the
per-round ratios of the second to the first, each from two runs seconds apart, with a 95 %
interval for that median that assumes nothing about the noise's shape (order statistics: each
round's ratio is as likely above the true median as below it). Where the identical runs of a
noisy guest spread wider than the margin a target leaves, the interval says whether the
target is met, missed, or not shown by this many rounds.

  bench/compare.py --binary target/a/products-api --binary target/b/products-api \
      --config pg_otel --workload read_one --rounds 4 --duration 5
  bench/compare.py --config pg_off --config pg_otel --rounds 12    # telemetry on ÷ off
  bench/compare.py --ceiling --config pg_otel --rounds 12          # service ÷ pgbench ceiling
  bench/compare.py --ceiling --config axum_ref --reference target/reference/release/axum-sqlx-reference

With `--ceiling`, pgbench's ceiling (as in harness.py) is the first side, so each round's ratio
is the service's throughput over the ceiling's measured seconds before or after it: on a guest
whose speed drifts by a third within minutes, a ratio of two best rounds taken minutes apart
says more about the drift than about the service.
"""

import argparse
import copy
import math
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def median_interval(values, confidence=0.95):
    """The distribution-free interval for the median of `values`: the k-th smallest and k-th
    largest, for the largest k that the sign test allows (None below 6 values, where even the
    extremes give less than 95 %)."""
    ordered = sorted(values)
    n = len(ordered)
    tail = (1 - confidence) / 2
    excluded, below = 0, 0.0
    while True:
        below += math.comb(n, excluded) / 2 ** n
        if below > tail:
            break
        excluded += 1
    if excluded == 0:
        return None
    return ordered[excluded - 1], ordered[n - excluded]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", action="append")
    parser.add_argument("--config", action="append", choices=[c for c, *_ in harness.CONFIGS])
    parser.add_argument("--workload", action="append",
                        choices=[w for w, *_ in harness.WORKLOADS])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--ceiling", action="store_true",
                        help="pgbench's ceiling as the first side (ratios are then service ÷ ceiling)")
    parser.add_argument("--reference", help=f"the bench/reference binary, for --config {harness.REFERENCE} "
                        "(its database is migrated by the first --binary)")
    harness.add_receiver_arguments(parser)
    args = parser.parse_args()
    args.workload = args.workload or ["read_one"]
    if harness.REFERENCE in (args.config or []):
        if not args.reference:
            parser.error(f"--config {harness.REFERENCE} needs --reference")
        if not set(args.workload) <= set(harness.REFERENCE_WORKLOADS):
            parser.error(f"{harness.REFERENCE} answers only {', '.join(harness.REFERENCE_WORKLOADS)}")
    args.service_env = dict(kv.split("=", 1) for kv in args.env)
    args.binary = args.binary or [os.path.join(harness.ROOT, "target", "bench", "products-api")]
    configs = [c for name in (args.config or ["pg_otel"]) for c in harness.CONFIGS if c[0] == name]
    workloads = [w for w in harness.WORKLOADS if w[0] in args.workload]
    work = os.path.join(harness.ROOT, "target", "bench")
    os.makedirs(work, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="compare-", dir=work)

    receiver = harness.Receiver(args.receiver, args.otlp_protocol)
    runners, sides = [], []
    # The ceiling's and the reference's databases are migrated by the first --binary.
    migrator_args = copy.copy(args)
    migrator_args.binary = os.path.abspath(args.binary[0])
    if args.ceiling:
        runners.append(harness.Ceiling(migrator_args, workdir))
        sides.append("pgbench ceiling (statements/s)")
    for config in configs:
        if config[0] == harness.REFERENCE:
            runners.append(harness.ReferenceRun(migrator_args, config, receiver, workdir))
            sides.append(f"{config[0]} {args.reference}")
            continue
        for i, binary in enumerate(args.binary):
            run_args = copy.copy(args)
            run_args.binary = os.path.abspath(binary)
            runners.append(harness.ServiceRun(run_args, (f"{config[0]}_{i}",) + tuple(config[1:]),
                                              receiver, workdir))
            sides.append(f"{config[0]} {binary}")
    samples = {(i, w[0]): [] for i in range(len(runners)) for w in workloads}
    try:
        for runner in runners:
            runner.setup()
        for workload in workloads:
            for round_index in range(args.rounds):
                for i, runner in harness.round_order(list(enumerate(runners)), round_index):
                    r = runner.measure(workload)
                    cpu_per_request = {k: v / r["rps"] * 1e6 for k, v in r["cpu"].items()}
                    samples[(i, workload[0])].append((r["rps"], r["p99_ms"], r["errors"], cpu_per_request,
                                                      r["cpu"]["steal_cores"]))
    finally:
        for runner in runners:
            runner.teardown()
        receiver.stop()
    print(f"\n{args.rounds} alternating rounds of {args.duration} s")
    for workload in workloads:
        for i, side in enumerate(sides):
            s = samples[(i, workload[0])]
            # CPU per request, process by process: a cost that lands outside the service (the
            # receiver, PostgreSQL, the kernel) shows there and not in the service's figure.
            cpu = {k: statistics.median(x[3][k] for x in s) for k in s[0][3]}
            print(f"{workload[0]:14} {side:50} median {statistics.median(x[0] for x in s):8.0f} req/s "
                  f"(max {max(x[0] for x in s):6.0f}), service {cpu['service_cores']:5.1f} µs/request, "
                  f"p99 {statistics.median(x[1] for x in s):6.2f} ms, errors {sum(x[2] for x in s)}")
            print(f"{'':14} {'':50} machine {cpu['machine_busy_cores']:5.1f} µs/request: "
                  f"PostgreSQL {cpu['postgres_cores']:.1f}, load generator "
                  f"{cpu['load_generator_cores']:.1f}, other {cpu['other_cores']:.1f}; "
                  f"stolen by the hypervisor {cpu['steal_cores']:.1f}")
        if len(sides) == 2:
            rounds = list(zip(samples[(0, workload[0])], samples[(1, workload[0])]))
            ratios = [b[0] / a[0] for a, b in rounds]
            bounds = median_interval(ratios)
            interval = (f"95 % interval {bounds[0]:.3f}–{bounds[1]:.3f}" if bounds
                        else "too few rounds for a 95 % interval")
            print(f"{workload[0]:14} {sides[1]} ÷ {sides[0]}: median of per-round ratios "
                  f"{statistics.median(ratios):.3f}, {interval} "
                  f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
            # A pair with cores stolen on one side only is a pair the host, not the build, decided.
            print(f"{'':14} cores stolen by the hypervisor per round, first side / second: "
                  + ", ".join(f"{a[4]:.2f}/{b[4]:.2f}" for a, b in rounds))


if __name__ == "__main__":
    main()
