#!/usr/bin/env python3
"""A/B of two or more builds on one workload, alternating short runs so that a noisy minute on
a shared machine hits every build alike; reports the median throughput and the median CPU the
service spent per request (less sensitive to neighbours than throughput).

  bench/compare.py --binary target/a/products-api --binary target/b/products-api \
      --config pg_otel --workload read_one --rounds 4 --duration 5
"""

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", action="append", required=True)
    parser.add_argument("--config", default="pg_otel", choices=[c for c, *_ in harness.CONFIGS])
    parser.add_argument("--workload", action="append",
                        choices=[w for w, *_ in harness.WORKLOADS])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--env", action="append", default=[])
    harness.add_receiver_arguments(parser)
    args = parser.parse_args()
    args.service_env = dict(kv.split("=", 1) for kv in args.env)
    workloads = [w for w in harness.WORKLOADS if w[0] in (args.workload or ["read_one"])]
    work = os.path.join(harness.ROOT, "target", "bench")
    os.makedirs(work, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="compare-", dir=work)
    config = next(c for c in harness.CONFIGS if c[0] == args.config)

    receiver = harness.Receiver(args.receiver, args.otlp_protocol)
    runners = []
    for i, binary in enumerate(args.binary):
        run_args = copy.copy(args)
        run_args.binary = os.path.abspath(binary)
        runner = harness.ServiceRun(run_args, (f"{config[0]}_{i}",) + tuple(config[1:]), receiver, workdir)
        runners.append(runner)
    samples = {(i, w[0]): [] for i in range(len(runners)) for w in workloads}
    try:
        for runner in runners:
            runner.setup()
        for workload in workloads:
            for _ in range(args.rounds):
                for i, runner in enumerate(runners):
                    r = runner.measure(workload)
                    samples[(i, workload[0])].append(
                        (r["rps"], r["cpu"]["service_cores"] / r["rps"] * 1e6, r["p99_ms"], r["errors"]))
    finally:
        for runner in runners:
            runner.teardown()
        receiver.stop()
    print(f"\n{args.config}, {args.rounds} alternating rounds of {args.duration} s")
    for workload in workloads:
        for i, binary in enumerate(args.binary):
            s = samples[(i, workload[0])]
            print(f"{workload[0]:14} {binary:50} median {statistics.median(x[0] for x in s):8.0f} req/s "
                  f"(max {max(x[0] for x in s):6.0f}), service {statistics.median(x[1] for x in s):5.1f} µs/request, "
                  f"p99 {statistics.median(x[2] for x in s):6.2f} ms, errors {sum(x[3] for x in s)}")


if __name__ == "__main__":
    main()
