#!/usr/bin/env python3
"""Profiles one workload: the release service under wrk load, sampled by `perf record` (software
cpu-clock event, so it works in VMs without hardware counters) across the whole machine, so the
report shows where both cores went: service, PostgreSQL, wrk, kernel.

  bench/profile.py --config pg_otel --workload read_one --seconds 10 [--env VAR=value …]

Writes target/bench/profile-<config>-<workload>.{data,txt}: the raw perf data and a text report
(share per process, top symbols of the service, and a caller breakdown).
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(harness.ROOT, "target", "bench", "products-api"))
    parser.add_argument("--config", default="pg_otel", choices=[c for c, *_ in harness.CONFIGS])
    parser.add_argument("--workload", default="read_one", choices=[w for w, *_ in harness.WORKLOADS])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--service-only", action="store_true",
                        help="sample only the service process (smaller data with call graphs)")
    parser.add_argument("--call-graph", default="dwarf,16384",
                        help="perf --call-graph mode; 'none' for flat profiles")
    harness.add_receiver_arguments(parser)
    args = parser.parse_args()
    args.service_env = dict(kv.split("=", 1) for kv in args.env)
    work = os.path.join(harness.ROOT, "target", "bench")
    os.makedirs(work, exist_ok=True)
    config = next(c for c in harness.CONFIGS if c[0] == args.config)
    workload = next(w for w in harness.WORKLOADS if w[0] == args.workload)
    _, _, backend, otel = config

    receiver = harness.Receiver(args.receiver, args.otlp_protocol)
    if backend == "postgres":
        harness.recreate_pg_database("bench_profile")
        url = harness.pg_url("bench_profile")
    else:
        path = os.path.join(work, "profile.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        url = f"sqlite://{path}?mode=rwc"
    service = harness.Service(args.binary, url, receiver if otel else None, work, "profile",
                              args.service_env)
    stem = os.path.join(work, f"profile-{args.config}-{args.workload}")
    pid = None
    try:
        service.start()
        pid = service.proc.pid
        harness.seed(service.port, harness.HOT_SET)
        json_path = stem + ".wrk.json"
        harness.run_wrk(args, workload[2], service.port, 2, json_path)  # warm-up
        scope = ["-p", str(pid)] if args.service_only else ["-a"]
        cmd = ["perf", "record", "-q", *scope, "-e", "cpu-clock", "-F", "499", "-o", stem + ".data"]
        if args.call_graph != "none":
            cmd += ["--call-graph", args.call_graph]
        if not args.service_only:
            cmd += ["--", "sleep", str(args.seconds)]
        perf = subprocess.Popen(cmd,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result = harness.run_wrk(args, workload[2], service.port, args.seconds, json_path)
        if args.service_only:
            perf.send_signal(2)
        perf.wait(timeout=args.seconds + 120)
        print(f"{args.config} {args.workload}: {result['rps']:.0f} req/s, p99 {result['p99_ms']:.2f} ms, "
              f"errors {result['errors']}")
    finally:
        service.stop()
        receiver.stop()
        if backend == "postgres":
            harness.psql("postgres", 'DROP DATABASE IF EXISTS "bench_profile" WITH (FORCE)')

    def report(*extra):
        return subprocess.run(["perf", "report", "-i", stem + ".data", "--stdio", "--no-children"]
                              + list(extra), text=True, capture_output=True).stdout
    with open(stem + ".txt", "w") as f:
        if args.call_graph != "none":
            f.write("## service: inclusive cost (children) by symbol\n")
            f.write(subprocess.run(["perf", "report", "-i", stem + ".data", "--stdio", "--children",
                                    "--pid", str(pid), "--sort", "symbol", "-g", "none",
                                    "--percent-limit", "1.5"],
                                   text=True, capture_output=True).stdout)
        f.write(f"## share of all samples per thread name (service pid {pid})\n")
        f.write(report("--sort", "comm", "-g", "none"))
        f.write("\n## service: share per thread\n")
        f.write(report("--pid", str(pid), "--sort", "comm", "-g", "none"))
        f.write("\n## service: top symbols (self)\n")
        f.write(report("--pid", str(pid), "--sort", "dso,symbol", "-g", "none",
                       "--percent-limit", "0.4"))
        f.write("\n## postgres: top symbols (self)\n")
        f.write(report("--comm", "postgres", "--sort", "dso,symbol", "-g", "none",
                       "--percent-limit", "0.5"))
    print(f"wrote {stem}.txt and {stem}.data")


if __name__ == "__main__":
    main()
