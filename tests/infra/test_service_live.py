"""Against the running service: the smoke script the pipeline runs through the ALB works
(v1 round trip and the seed transcript), and the health check the task uses answers."""

import os
import subprocess

from conftest import ROOT


def test_healthcheck_subcommand_probes_the_api(live, binary):
    ok = subprocess.run([str(binary), "healthcheck", "--url", live.api + "/healthz"], capture_output=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([str(binary), "healthcheck", "--url", live.api + "/no-such-path"], capture_output=True, timeout=30)
    assert bad.returncode != 0


def test_metrics_are_not_served_on_the_api_port(live):
    from conftest import http

    assert http("GET", live.api + "/metrics")[0] == 404


def test_smoke_script_passes_against_the_service(live):
    env = dict(os.environ, GITHUB_SHA="contract-test")
    r = subprocess.run(["bash", str(ROOT / "scripts/smoke.sh"), live.api], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "smoke test passed" in r.stdout
    # Run twice: the second deploy's smoke test must find a clean slate too.
    r = subprocess.run(["bash", str(ROOT / "scripts/smoke.sh"), live.api], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0 and "seed transcript" not in r.stdout, r.stdout + r.stderr
