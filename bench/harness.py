#!/usr/bin/env python3
"""The products-api load harness. Run it through bench/run.sh, which builds the release binary
first; see bench/README.md.

For every configuration (PostgreSQL or SQLite, telemetry on or off) it starts the release binary
on a fresh database, seeds a hot set of 1,000 products, and drives each workload with wrk for a
fixed time after a warm-up; then it drives the same SQL straight at PostgreSQL with pgbench
(`-M prepared`, same client count) for the database ceiling. It writes results.json,
results.csv, summary.md and chart.svg to the output folder.

Standard library only. Every load loop is bounded in time and aimed at 127.0.0.1.
"""

import argparse
import csv
import datetime
import glob
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
import chart  # noqa: E402  (bench/chart.py)

HOST = "127.0.0.1"
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# Every client (psql, pgbench, products-api, the reference) connects with this sslmode. TLS adds
# about the same CPU to every statement, which is a far larger share of a pgbench statement
# than of a service request (read one: pgbench 38.2k statements/s without TLS, 21.5k with it;
# products-api 0.87 of its speed; docs/performance.md), so a ceiling over TLS flatters every
# ratio. Off unless BENCH_PG_SSLMODE says otherwise.
PG_SSLMODE = os.environ.get("BENCH_PG_SSLMODE", "disable")
HOT_SET = 1000

# name, label, wrk script, pgbench scripts with weights, SQL statements per pgbench transaction
WORKLOADS = [
    ("read_one", "read one by name", "read_one.lua", [("read_one.sql", 1)], 1),
    ("list_100", "list a page of 100", "list_100.lua", [("list_100.sql", 1)], 1),
    ("create_delete", "create then delete", "create_delete.lua", [("create_delete.sql", 1)], 2),
    ("update", "update (PUT)", "update.lua", [("update.sql", 1)], 1),
    ("adjust_hot", "adjust one hot row", "adjust_hot.lua", [("adjust_hot.sql", 1)], 1),
    ("mix", "80/20 read/write", "mix.lua",
     [("read_one.sql", 80), ("update.sql", 10), ("adjust_random.sql", 10)], 1),
]

# name, label, backend, telemetry exported to the OTLP receiver (else OTEL_SDK_DISABLED=true)
CONFIGS = [
    ("pg_otel", "PostgreSQL, telemetry on", "postgres", True),
    ("pg_off", "PostgreSQL, telemetry off", "postgres", False),
    ("sqlite_otel", "SQLite, telemetry on", "sqlite", True),
    ("sqlite_off", "SQLite, telemetry off", "sqlite", False),
    ("axum_ref", "plain axum + sqlx, no telemetry", "postgres", False),
]

# The yardstick (bench/reference/): "a plain axum + sqlx service with no telemetry". It
# answers only these workloads, and is not held to the targets.
REFERENCE = "axum_ref"
REFERENCE_WORKLOADS = ("read_one", "list_100", "update")

TARGETS = {
    "read_one_ratio": 0.4,
    "update_ratio": 0.5,
    "list_100_ratio": 0.3,
    "otel_on_off": 0.9,
    "read_one_p99_ms": 10.0,
    "rss_mib": 48.0,
    "start_to_ready_ms": 100.0,
}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs).stdout


def psql(database, sql, attempts=5):
    """psql -c; retried, since a shared server may briefly have no connection slot free."""
    for attempt in range(attempts):
        try:
            return run(["psql", pg_url(database), "-X", "-q", "-A", "-t",
                        "-v", "ON_ERROR_STOP=1", "-c", sql]).strip()
        except subprocess.CalledProcessError as err:
            if attempt == attempts - 1 or "too many clients" not in (err.stderr or ""):
                raise
            time.sleep(1)


def pg_url(database):
    """The URL of `database` on the benchmark's server, for libpq and sqlx alike."""
    return f"{PG_ADMIN}/{database}?sslmode={PG_SSLMODE}"


def recreate_pg_database(name):
    psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql("postgres", f'CREATE DATABASE "{name}"')


def http_request(port, method, path, body=None, timeout=5.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Service:
    """The release binary on ephemeral 127.0.0.1 ports. Logs (JSON, RUST_LOG=info, one access
    line per request, as in production) are formatted and written to /dev/null during load, so
    the cost is paid but the disk does not fill; stderr is kept."""

    def __init__(self, binary, database_url, receiver, log_dir, name, extra_env=None):
        self.port = free_port()
        self.metrics_port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "DATABASE_", "PG"))}
        env.update({
            "LISTEN_ADDR": f"{HOST}:{self.port}",
            "METRICS_ADDR": f"{HOST}:{self.metrics_port}",
            "DATABASE_URL": database_url,
            "LOG_FORMAT": "json",
            "RUST_LOG": "info",
        })
        if receiver:
            env.update(receiver.exporter_env())
        else:
            env["OTEL_SDK_DISABLED"] = "true"
        env.update(extra_env or {})
        self.env = env
        self.binary = binary
        self.stderr_path = os.path.join(log_dir, f"{name}.stderr.log")
        self.proc = None

    def start(self, ready_timeout=30.0):
        started = time.perf_counter()
        with open(self.stderr_path, "ab") as stderr:
            self.proc = subprocess.Popen([self.binary, "serve"], env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = started + ready_timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"service exited with {self.proc.returncode}; see {self.stderr_path}")
            try:
                status, _ = http_request(self.port, "GET", "/readyz", timeout=2.0)
                if status == 200:
                    return (time.perf_counter() - started) * 1000.0
            except OSError:
                pass
            time.sleep(0.001)
        raise RuntimeError(f"service not ready within {ready_timeout} s")

    def stop(self, grace=30.0):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed"

    def metrics_text(self):
        try:
            status, body = http_request(self.metrics_port, "GET", "/metrics")
        except OSError:
            return ""
        return body.decode() if status == 200 else ""

    def scrape(self, name):
        """The value of an unlabelled metric from the metrics port, or None."""
        for line in self.metrics_text().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def status_counts(self):
        """`http_server_requests_total` by (method, route, status), from the service itself."""
        counts = {}
        for line in self.metrics_text().splitlines():
            if line.startswith("http_server_requests_total{"):
                labels, value = line[len("http_server_requests_total{"):].rsplit("} ", 1)
                fields = dict(part.split("=", 1) for part in labels.split(","))
                key = " ".join(fields.get(k, "").strip('"') for k in ("method", "route", "status"))
                counts[key] = float(value)
        return counts


def seed(port, n):
    """PUT (upsert) hot-0 … hot-{n-1} with quantity 0, on one keep-alive connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        for i in range(n):
            conn.request("PUT", f"/v1/products/hot-{i}", body=b'{"quantity":0}',
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status not in (200, 201):
                raise RuntimeError(f"seeding hot-{i}: HTTP {response.status}")
    finally:
        conn.close()


class RssSampler(threading.Thread):
    """Peak VmRSS of a process, sampled from /proc every 100 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.samples.append(int(line.split()[1]) * 1024)
                            break
            except OSError:
                return
            self.stopping.wait(0.1)

    def stop(self):
        self.stopping.set()
        self.join()
        return max(self.samples) if self.samples else None


class CpuMeter:
    """Where the machine's CPU went during one run, in cores (CPU-seconds per second): the
    service, the PostgreSQL server processes, the load generator (wrk or pgbench, a child of
    this harness), and everything else on the machine (other users, this harness, the OTLP receiver).
    Apart from those, the time the hypervisor gave the guest's vCPUs to other guests (steal): no
    work of this machine's, so not in its busy time, but the reason a run on a shared host can
    answer fewer requests at the same CPU per request."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, service_pid=None):
        self.service_pid = service_pid

    @staticmethod
    def _proc_ticks(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            return 0

    @staticmethod
    def _postgres_pids():
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "postgres":
                        pids.append(entry)
            except OSError:
                continue
        return pids

    def _sample_postgres(self):
        """Latest CPU ticks of every PostgreSQL process seen; backends that start during the run
        count from zero, and one that exits keeps its last sample (pgbench's backends exit as it
        ends, so up to one sampling interval of theirs is missed)."""
        for pid in self._postgres_pids():
            ticks = self._proc_ticks(pid)
            if ticks:
                self.pg_latest[pid] = ticks

    def _poll(self):
        while not self.stopping.wait(0.25):
            self._sample_postgres()

    @staticmethod
    def _machine():
        """Ticks busy and stolen so far, over all CPUs."""
        with open("/proc/stat") as f:
            user, nice, system, idle, iowait, irq, softirq, steal = (
                int(v) for v in f.readline().split()[1:9])
        return user + nice + system + irq + softirq, steal

    def __enter__(self):
        self.t0 = time.perf_counter()
        self.busy0, self.steal0 = self._machine()
        self.pg_latest = {}
        self._sample_postgres()
        self.pg_start = dict(self.pg_latest)
        self.stopping = threading.Event()
        self.poller = threading.Thread(target=self._poll, daemon=True)
        self.poller.start()
        self.svc0 = self._proc_ticks(self.service_pid) if self.service_pid else 0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.child0 = usage.ru_utime + usage.ru_stime
        return self

    def __exit__(self, *exc):
        seconds = time.perf_counter() - self.t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        to_cores = lambda ticks: ticks / self.TICK / seconds  # noqa: E731
        busy_ticks, steal_ticks = self._machine()
        busy = to_cores(busy_ticks - self.busy0)
        steal = to_cores(steal_ticks - self.steal0)
        self.stopping.set()
        self.poller.join()
        self._sample_postgres()
        postgres = to_cores(sum(t - self.pg_start.get(pid, 0) for pid, t in self.pg_latest.items()))
        service = to_cores(self._proc_ticks(self.service_pid) - self.svc0) if self.service_pid else 0.0
        generator = (usage.ru_utime + usage.ru_stime - self.child0) / seconds
        self.result = {
            "machine_busy_cores": round(busy, 2),
            "service_cores": round(service, 2),
            "postgres_cores": round(postgres, 2),
            "load_generator_cores": round(generator, 2),
            "other_cores": round(max(0.0, busy - service - postgres - generator), 2),
            "steal_cores": round(steal, 2),
        }
        return False


_wrk_runs = 0


def run_wrk(args, script, port, duration, json_path):
    global _wrk_runs
    _wrk_runs += 1
    env = dict(os.environ, BENCH_WRK_DIR=os.path.join(BENCH, "wrk"), WRK_JSON=json_path,
               HOT_SET=str(HOT_SET), WRK_RUN_ID=f"{os.getpid()}-{_wrk_runs}")
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "--timeout", "5s",
           "-s", os.path.join(BENCH, "wrk", script), f"http://{HOST}:{port}"]
    if os.path.exists(json_path):
        os.remove(json_path)
    # wrk stops by itself after -d; the timeout is only a backstop.
    subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=duration + 60)
    with open(json_path) as f:
        raw = json.load(f)
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw["errors"].values())
    lat = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds,
        "p50_ms": lat["p50"] / 1000.0,
        "p90_ms": lat["p90"] / 1000.0,
        "p99_ms": lat["p99"] / 1000.0,
        "max_ms": lat["max"] / 1000.0,
        "errors": errors,
        "error_kinds": raw["errors"],
        "statuses": raw.get("statuses", {}),
    }


def run_pgbench(args, database, scripts, duration, per_tx, workdir):
    """pgbench -M prepared with the same client count; per-transaction latencies are sampled to
    a log and their percentiles computed here. Returns statements/s as `rps`."""
    for old in glob.glob(os.path.join(workdir, "pgb*")):
        os.remove(old)
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(args.connections), "-j", str(args.threads),
           "-T", str(duration), "-l", "--sampling-rate", "0.05", "--log-prefix", "pgb",
           "-D", f"hot_set={HOT_SET}"]
    for script, weight in scripts:
        cmd += ["-f", f"{os.path.join(BENCH, 'pgbench', script)}@{weight}"]
    cmd.append(pg_url(database))  # libpq expands a URI given as the database name
    proc = subprocess.run(cmd, text=True, capture_output=True, cwd=workdir, timeout=duration + 60)
    out = proc.stdout + proc.stderr
    tps = failed = None
    processed = 0
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("tps =") and "without initial connection time" in line:
            tps = float(line.split()[2])
        elif line.startswith("number of failed transactions:"):
            failed = int(line.split(":")[1].split()[0])
        elif line.startswith("number of transactions actually processed:"):
            processed = int(line.split(":")[1].split("/")[0])
    aborted = sum(1 for line in out.splitlines() if " aborted " in line)
    if tps is None:
        raise RuntimeError(f"pgbench failed ({proc.returncode}):\n{out}")
    latencies = []
    for path in glob.glob(os.path.join(workdir, "pgb.*")):
        with open(path) as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 3 and fields[2].isdigit():
                    latencies.append(int(fields[2]))
    latencies.sort()

    def pct(p):
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, int(p / 100.0 * len(latencies)))] / 1000.0

    return {
        "requests": processed * per_tx,
        "rps": tps * per_tx,
        "tps": tps,
        "statements_per_tx": per_tx,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": latencies[-1] / 1000.0 if latencies else None,
        "errors": (failed or 0) + aborted + (1 if proc.returncode != 0 else 0),
        "latency_samples": len(latencies),
        "latency_note": "per pgbench transaction" + (f" ({per_tx} statements)" if per_tx > 1 else ""),
    }


def settle(database):
    """Every measurement starts from the same state: its database vacuumed and analysed, and no
    dirty buffers left on the PostgreSQL server by the run before (a write-heavy predecessor
    otherwise hands its checkpoint and background-writer work to whichever configuration,
    SQLite ones included, runs next)."""
    if database:
        psql(database, "VACUUM ANALYZE products")
    psql("postgres", "CHECKPOINT")


class Receiver:
    """The OTLP receiver (tools/otlp-receiver, the one the telemetry tests export to): it
    decodes every export request, over gRPC or HTTP/protobuf, and counts the spans. It shares the
    machine, so its CPU is charged to "telemetry on", as a collector sidecar's is in a task."""

    def __init__(self, binary, protocol):
        self.protocol = protocol
        self.http_port, self.grpc_port = free_port(), free_port()
        self.proc = subprocess.Popen([binary, str(self.http_port), str(self.grpc_port)],
                                     stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{binary} did not answer on 127.0.0.1:{self.http_port}")

    def exporter_env(self):
        port = self.grpc_port if self.protocol == "grpc" else self.http_port
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{HOST}:{port}",
                "OTEL_EXPORTER_OTLP_PROTOCOL": self.protocol,
                "OTEL_SERVICE_NAME": "products-api-bench"}

    def stats(self, reset=False):
        if reset:
            http_request(self.http_port, "POST", "/reset", body=b"")
        _, body = http_request(self.http_port, "GET", "/stats")
        return json.loads(body)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def machine():
    def read(path):
        try:
            with open(path) as f:
                return f.read()
        except OSError:
            return ""
    cpu = next((l.split(":", 1)[1].strip() for l in read("/proc/cpuinfo").splitlines()
                if l.startswith("model name")), platform.processor())
    mem_kib = next((int(l.split()[1]) for l in read("/proc/meminfo").splitlines()
                    if l.startswith("MemTotal:")), 0)

    def version(cmd):
        try:
            out = subprocess.run(cmd, text=True, capture_output=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None

    pg_settings = {}
    for name in ("shared_buffers", "max_connections", "synchronous_commit", "fsync", "ssl"):
        try:
            pg_settings[name] = psql("postgres", f"SHOW {name}")
        except subprocess.CalledProcessError:
            pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "postgres": psql("postgres", "SHOW server_version"),
        "postgres_settings": pg_settings,
        "postgres_client_sslmode": PG_SSLMODE,
        "sqlite": _sqlite_version(),
        "wrk": version(["wrk", "-v"]),
        "pgbench": version(["pgbench", "--version"]),
        "rustc": version(["rustc", "-V"]),
        "git_revision": version(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
    }


def _sqlite_version():
    # The service links its own SQLite (libsqlite3-sys, bundled); this is only the host's.
    import sqlite3
    return sqlite3.sqlite_version + " (host Python; the service bundles its own)"


class Ceiling:
    """The database ceiling: pgbench on its own database, seeded with the hot set in SQL."""

    name = "ceiling"
    db = "bench_ceiling"

    def __init__(self, args, workdir):
        self.args, self.workdir = args, workdir

    def setup(self):
        recreate_pg_database(self.db)
        env = dict(os.environ, DATABASE_URL=pg_url(self.db), OTEL_SDK_DISABLED="true",
                   RUST_LOG="warn")
        subprocess.run([self.args.binary, "migrate", "up"], env=env, check=True, capture_output=True)
        psql(self.db, "INSERT INTO products (name, quantity, version, created_at, updated_at) "
                      f"SELECT 'hot-' || i, 0, 1, now(), now() FROM generate_series(0, {HOT_SET - 1}) i")

    def measure(self, workload):
        _name, _label, _script, scripts, per_tx = workload
        args = self.args
        if args.warmup > 0:
            settle(self.db)
            run_pgbench(args, self.db, scripts, args.warmup, per_tx, self.workdir)
        settle(self.db)
        load = os.getloadavg()[0]
        with CpuMeter() as cpu:
            result = run_pgbench(args, self.db, scripts, args.duration, per_tx, self.workdir)
        result["cpu"] = cpu.result
        result["loadavg_1m_before"] = round(load, 2)
        log(f"ceiling {workload[0]}: {result['rps']:.0f} statements/s, p99 {result['p99_ms']} ms, "
            f"errors {result['errors']}, cpu {cpu.result}")
        return result

    def teardown(self):
        psql("postgres", f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')


class ServiceRun:
    """One service configuration: its own database and process, alive for the whole run (idle
    while the others are measured), so that every workload is measured for all configurations
    back to back and a noisy minute hits them alike."""

    def __init__(self, args, config, receiver, workdir):
        self.args, self.config, self.workdir = args, config, workdir
        self.name, _label, self.backend, otel = config
        self.receiver = receiver if otel else None
        self.db = f"bench_{self.name}" if self.backend == "postgres" else None
        self.service = None

    def setup(self):
        if self.db:
            recreate_pg_database(self.db)
            url = pg_url(self.db)
        else:
            path = os.path.join(self.workdir, f"{self.name}.db")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            url = f"sqlite://{path}?mode=rwc"
        self.service = Service(self.args.binary, url, self.receiver, self.workdir, self.name,
                               self.args.service_env)
        self.service.start()
        seed(self.service.port, HOT_SET)

    def measure(self, workload):
        name, _label, script, _scripts, _per_tx = workload
        args, service = self.args, self.service
        if service.proc.poll() is not None:
            raise RuntimeError(f"{self.name}: service exited with {service.proc.returncode}")
        json_path = os.path.join(self.workdir, f"{self.name}-{name}.json")
        if args.warmup > 0:
            settle(self.db)
            run_wrk(args, script, service.port, args.warmup, json_path)
        settle(self.db)
        if self.receiver:
            self.receiver.stats(reset=True)
        sampler = RssSampler(service.proc.pid)
        sampler.start()
        load = os.getloadavg()[0]
        before = service.status_counts()
        with CpuMeter(service.proc.pid) as cpu:
            result = run_wrk(args, script, service.port, args.duration, json_path)
        after = service.status_counts()
        # What the service says it answered, as a check on wrk and to name any error status.
        result["service_statuses"] = {k: int(v - before.get(k, 0)) for k, v in after.items()
                                      if v - before.get(k, 0) > 0}
        result["rss_peak_bytes"] = sampler.stop()
        result["cpu"] = cpu.result
        result["loadavg_1m_before"] = round(load, 2)
        result["process_resident_memory_bytes"] = service.scrape("process_resident_memory_bytes")
        if self.receiver:
            time.sleep(0.5)  # let the last batch arrive
            stats = self.receiver.stats()
            result["otlp"] = stats
            result["spans_per_request"] = stats["spans"] / max(1, result["requests"])
        log(f"{self.name} {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
            f"p99 {result['p99_ms']:.2f} ms, errors {result['errors']}, "
            f"RSS {result['rss_peak_bytes'] / 2**20:.1f} MiB"
            + (f", {result['spans_per_request']:.2f} spans/request exported" if self.receiver else "")
            + f", cpu {cpu.result}")
        return result

    def teardown(self):
        code = self.service.stop() if self.service else None
        if self.db:
            psql("postgres", f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        return code


class ReferenceRun(ServiceRun):
    """The reference service on a database migrated by products-api; it has no metrics port, so
    its runs have no service-side status counts."""

    def setup(self):
        recreate_pg_database(self.db)
        url = pg_url(self.db)
        env = dict(os.environ, DATABASE_URL=url, OTEL_SDK_DISABLED="true", RUST_LOG="warn")
        subprocess.run([self.args.binary, "migrate", "up"], env=env, check=True, capture_output=True)
        self.service = Service(self.args.reference, url, None, self.workdir, self.name)
        self.service.start()
        seed(self.service.port, HOT_SET)

    def measure(self, workload):
        return super().measure(workload) if workload[0] in REFERENCE_WORKLOADS else None


def round_order(runs, round_index):
    """Every other round in reverse order: no configuration always runs right after the same
    neighbour (the machine's state after one run can weigh on the next)."""
    return runs if round_index % 2 == 0 else runs[::-1]


def run_all(args, results, receiver, workdir):
    """For each workload, every configuration in turn (ceiling first, then last, alternately),
    `--repeat` rounds; the run with the highest throughput of each is kept (interference from
    other processes only ever lowers throughput), and every round's figure is recorded beside it."""
    runners = [] if args.no_ceiling else [Ceiling(args, workdir)]
    runners += [(ReferenceRun if c[0] == REFERENCE else ServiceRun)(args, c, receiver, workdir)
                for c in CONFIGS if c[0] in args.configs]
    try:
        for runner in runners:
            runner.setup()
        for workload in WORKLOADS:
            if workload[0] not in args.workloads:
                continue
            for round_index in range(args.repeat):
                for runner in round_order(runners, round_index):
                    result = runner.measure(workload)
                    if result is None:
                        continue
                    best = results.setdefault(runner.name, {}).get(workload[0])
                    rounds = (best or {}).get("rounds_rps", []) + [round(result["rps"], 1)]
                    if best is None or result["rps"] > best["rps"]:
                        best = result
                    best["rounds_rps"] = rounds
                    results[runner.name][workload[0]] = best
    finally:
        for runner in runners:
            code = runner.teardown()
            if isinstance(runner, ServiceRun):
                results.setdefault("exit_codes", {})[runner.name] = code


def start_to_ready(args, receiver, workdir, runs):
    """Starts on an already-migrated SQLite file (telemetry on), time from spawn to the first
    200 from /readyz, `runs` times."""
    path = os.path.join(workdir, "ready.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    url = f"sqlite://{path}?mode=rwc"
    env = dict(os.environ, DATABASE_URL=url, OTEL_SDK_DISABLED="true", RUST_LOG="warn")
    subprocess.run([args.binary, "migrate", "up"], env=env, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        service = Service(args.binary, url, receiver, workdir, "ready", args.service_env)
        try:
            times.append(service.start(ready_timeout=10))
        finally:
            service.stop()
    return {"runs": runs, "min_ms": min(times), "median_ms": statistics.median(times),
            "max_ms": max(times), "all_ms": [round(t, 1) for t in times]}


def ratios(results):
    out = {}
    ceiling = results.get("ceiling", {})
    for workload, *_ in WORKLOADS:
        row = {}
        for config, *_ in CONFIGS:
            r = results.get(config, {}).get(workload)
            c = ceiling.get(workload)
            if r and c and c["rps"]:
                row[f"{config}_vs_ceiling"] = r["rps"] / c["rps"]
        for backend in ("pg", "sqlite"):
            on = results.get(f"{backend}_otel", {}).get(workload)
            off = results.get(f"{backend}_off", {}).get(workload)
            if on and off and off["rps"]:
                row[f"{backend}_otel_on_off"] = on["rps"] / off["rps"]
        on, reference = results.get("pg_otel", {}).get(workload), results.get(REFERENCE, {}).get(workload)
        if on and reference and reference["rps"]:
            row["pg_otel_vs_reference"] = on["rps"] / reference["rps"]
        out[workload] = row
    return out


def targets(results, ratio_table):
    """The issue's targets, judged on PostgreSQL with telemetry on unless stated."""
    pg = results.get("pg_otel", {})
    checks = []

    def add(name, value, target, ok, unit=""):
        checks.append({"target": name, "value": value, "goal": target, "met": bool(ok), "unit": unit})

    services = [c for c, *_ in CONFIGS if c != REFERENCE]
    all_errors = sum(r["errors"] for c in services for r in results.get(c, {}).values())
    add("zero errors (every service run)", all_errors, 0, all_errors == 0)
    for workload, key in (("read_one", "read_one_ratio"), ("update", "update_ratio"),
                          ("list_100", "list_100_ratio")):
        value = ratio_table.get(workload, {}).get("pg_otel_vs_ceiling")
        if value is not None:
            add(f"{workload} / pgbench ceiling", round(value, 3), TARGETS[key], value >= TARGETS[key])
    on_off = [v for w in ratio_table.values() for k, v in w.items() if k == "pg_otel_on_off"]
    if on_off:
        worst = min(on_off)
        add("telemetry on/off, PostgreSQL, worst workload", round(worst, 3), TARGETS["otel_on_off"],
            worst >= TARGETS["otel_on_off"])
    if "read_one" in pg:
        p99 = pg["read_one"]["p99_ms"]
        add("p99 read_one", round(p99, 2), TARGETS["read_one_p99_ms"], p99 < TARGETS["read_one_p99_ms"], "ms")
    # Judged, like the other targets, on PostgreSQL with telemetry on (the production setup); the
    # SQLite runs' peaks are in the results and docs/performance.md beside it.
    peaks = [r.get("rss_peak_bytes") or 0 for r in pg.values()]
    if peaks:
        peak = max(peaks) / 2**20
        add("peak RSS under load", round(peak, 1), TARGETS["rss_mib"], peak < TARGETS["rss_mib"], "MiB")
    ready = results.get("start_to_ready")
    if ready:
        add("start to ready, migrated SQLite (median)", round(ready["median_ms"], 1),
            TARGETS["start_to_ready_ms"], ready["median_ms"] < TARGETS["start_to_ready_ms"], "ms")
    return checks


def write_outputs(out_dir, results):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out_dir, "results.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["config", "workload", "requests_per_s", "p50_ms", "p99_ms", "errors",
                         "rss_peak_mib", "ratio_to_ceiling"])
        for config in ["ceiling"] + [c for c, *_ in CONFIGS]:
            for workload, *_ in WORKLOADS:
                r = results.get(config, {}).get(workload)
                if not r:
                    continue
                c = results.get("ceiling", {}).get(workload)
                writer.writerow([
                    config, workload, round(r["rps"], 1),
                    _round(r["p50_ms"], 3), _round(r["p99_ms"], 3), r["errors"],
                    _round((r.get("rss_peak_bytes") or 0) / 2**20, 1) if config != "ceiling" else "",
                    _round(r["rps"] / c["rps"], 3) if c else ""])
    chart.write_svg(os.path.join(out_dir, "chart.svg"), results, WORKLOADS, CONFIGS)
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write(summary_markdown(results))


def _fmt(value):
    return "–" if value is None else f"{value:.2f}"


def _round(value, digits):
    return None if value is None else round(value, digits)


def _per_config_table(results, ceiling_header, cell):
    """A markdown table, a row per workload and a column per configuration (ceiling first);
    `cell(result, ceiling_result)` renders one, None for a blank. Rows with no cell are left out."""
    configs = ["ceiling"] + [c for c, *_ in CONFIGS]
    header = ["workload", ceiling_header] + [label for _c, label, *_ in CONFIGS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for workload, label, *_ in WORKLOADS:
        ceiling = results.get("ceiling", {}).get(workload)
        cells = [results.get(config, {}).get(workload) for config in configs]
        row = [cell(r, ceiling) if r else None for r in cells]
        if any(c is not None for c in row):
            lines.append("| " + " | ".join([label] + [c or "–" for c in row]) + " |")
    return lines


def _throughput_cell(r, ceiling):
    if not ceiling:
        return None
    if r is ceiling:
        return f"{r['rps']:,.0f}"
    return f"{r['rps']:,.0f} (**{r['rps'] / ceiling['rps']:.2f}**)"


def _latency_cell(r, _ceiling):
    return f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f}, {r['errors']}"


def _cpu_cell(r, _ceiling):
    if "cpu" not in r:
        return None
    us = {k: v / r["rps"] * 1e6 for k, v in r["cpu"].items()}
    return (f"{us['service_cores']:.0f} / {us['postgres_cores']:.0f} / "
            f"{us['load_generator_cores']:.0f} / {us['other_cores']:.0f} / "
            f"{us['steal_cores']:.0f}")


def summary_markdown(results):
    lines = []
    params = results["parameters"]
    lines.append(f"Run {results['started_at']}: {params['connections']} connections, "
                 f"{params['threads']} load threads, {params['duration_s']} s per workload after "
                 f"{params['warmup_s']} s warm-up.\n")
    lines += _per_config_table(results, "pgbench ceiling (statements/s)", _throughput_cell)
    lines.append("")
    lines.append("Latency p50 / p99 in ms (pgbench: per transaction; create-then-delete is two "
                 "statements there), errors:\n")
    lines += _per_config_table(results, "pgbench ceiling", _latency_cell)
    lines.append("")
    lines.append("CPU per request, µs: service / PostgreSQL / load generator / everything else on "
                 "the machine / stolen by the hypervisor (pgbench: per statement):\n")
    lines += _per_config_table(results, "pgbench ceiling", _cpu_cell)
    lines.append("")
    lines.append("Telemetry on/off (requests/s ratio):\n")
    lines.append("| workload | PostgreSQL | SQLite |")
    lines.append("|---|---|---|")
    for workload, label, *_ in WORKLOADS:
        r = results["ratios"].get(workload, {})
        if "pg_otel_on_off" not in r and "sqlite_otel_on_off" not in r:
            continue
        pg, sq = r.get("pg_otel_on_off"), r.get("sqlite_otel_on_off")
        lines.append(f"| {label} | {_fmt(pg)} | {_fmt(sq)} |")
    lines.append("")
    if any("pg_otel_vs_reference" in r for r in results["ratios"].values()):
        lines.append("products-api (PostgreSQL, telemetry on) ÷ plain axum + sqlx without telemetry "
                     "(requests/s ratio):\n")
        lines.append("| workload | ratio |")
        lines.append("|---|---|")
        for workload, label, *_ in WORKLOADS:
            value = results["ratios"].get(workload, {}).get("pg_otel_vs_reference")
            if value is not None:
                lines.append(f"| {label} | {value:.2f} |")
        lines.append("")
    lines.append("Targets (PostgreSQL, telemetry on, unless stated):\n")
    lines.append("| target | measured | goal | |")
    lines.append("|---|---|---|---|")
    for t in results["targets"]:
        goal = ("≤ " if t["target"].startswith("zero") else
                "< " if t["unit"] else "≥ ") + f"{t['goal']}{(' ' + t['unit']) if t['unit'] else ''}"
        value = f"{t['value']}{(' ' + t['unit']) if t['unit'] else ''}"
        lines.append(f"| {t['target']} | {value} | {goal} | {'met' if t['met'] else '**missed**'} |")
    ready = results.get("start_to_ready")
    if ready:
        lines.append("")
        lines.append(f"Start to ready on a migrated SQLite file, {ready['runs']} starts: min "
                     f"{ready['min_ms']:.1f} ms, median {ready['median_ms']:.1f} ms, max "
                     f"{ready['max_ms']:.1f} ms.")
    return "\n".join(lines) + "\n"


def add_receiver_arguments(parser):
    parser.add_argument("--receiver", default=os.path.join(ROOT, "target", "release", "otlp-receiver"),
                        help="the tools/otlp-receiver binary")
    parser.add_argument("--otlp-protocol", default="http/protobuf", choices=["grpc", "http/protobuf"],
                        help="how telemetry-on services export (production: http/protobuf)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "products-api"))
    parser.add_argument("--out", default=os.path.join(BENCH, "results"))
    parser.add_argument("--work", default=os.path.join(ROOT, "target", "bench"))
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per workload")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per workload")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--configs", default=",".join(c for c, *_ in CONFIGS))
    parser.add_argument("--workloads", default=",".join(w for w, *_ in WORKLOADS))
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds per workload and configuration; the best is reported")
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument("--ready-runs", type=int, default=10)
    parser.add_argument("--env", action="append", default=[],
                        help="extra VAR=value for the service (e.g. DB_MAX_CONNECTIONS=16)")
    add_receiver_arguments(parser)
    parser.add_argument("--reference", help="the bench/reference binary; without it the "
                        f"{REFERENCE} configuration is left out")
    args = parser.parse_args()
    args.configs = [c for c in args.configs.split(",") if c and (c != REFERENCE or args.reference)]
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.service_env = dict(kv.split("=", 1) for kv in args.env)
    unknown = set(args.configs) - {c for c, *_ in CONFIGS} | set(args.workloads) - {w for w, *_ in WORKLOADS}
    if unknown:
        parser.error(f"unknown config or workload: {', '.join(sorted(unknown))}")
    for tool in ("wrk", "pgbench", "psql"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found; bench/run.sh installs it")
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} not found; bench/run.sh builds it")

    os.makedirs(args.work, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="run-", dir=args.work)
    results = {
        "started_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "parameters": {"connections": args.connections, "threads": args.threads,
                       "duration_s": args.duration, "warmup_s": args.warmup, "hot_set": HOT_SET,
                       "repeat": args.repeat,
                       "service_env": args.service_env, "configs": args.configs,
                       "workloads": args.workloads},
    }
    log(f"machine: {results['machine']['nproc']} × {results['machine']['cpu']}, "
        f"PostgreSQL {results['machine']['postgres']}; work folder {workdir}")

    receiver = Receiver(args.receiver, args.otlp_protocol)
    try:
        run_all(args, results, receiver, workdir)
        if args.ready_runs:
            results["start_to_ready"] = start_to_ready(args, receiver, workdir, args.ready_runs)
            log(f"start to ready: median {results['start_to_ready']['median_ms']:.1f} ms")
    finally:
        receiver.stop()
    results["finished_at"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    results["ratios"] = ratios(results)
    results["targets"] = targets(results, results["ratios"])
    write_outputs(args.out, results)
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"wrote {args.out}/results.json, results.csv, summary.md, chart.svg")
    print(open(os.path.join(args.out, "summary.md")).read())
    errors = sum(r["errors"] for c in args.configs for r in results.get(c, {}).values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
