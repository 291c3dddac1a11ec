"""Shared helpers for the infrastructure contract tests.

They read terraform/ (python-hcl2), dashboards/, .github/workflows and the service itself
(`products-api --help`, and a live `serve` process), and fail when the pieces drift apart.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import hcl2
import pytest
import yaml
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
TF = ROOT / "terraform"
OPTS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)


# ---------------------------------------------------------------------------------------------
# Terraform
# ---------------------------------------------------------------------------------------------


class Module:
    """All .tf files of one directory, merged: resources[type][name] -> body, etc."""

    def __init__(self, path: Path):
        self.path = path
        self.resources: dict[str, dict[str, dict]] = {}
        self.data: dict[str, dict[str, dict]] = {}
        self.variables: dict[str, dict] = {}
        self.locals: dict[str, object] = {}
        self.modules: dict[str, dict] = {}
        self.outputs: dict[str, dict] = {}
        self.terraform: list[dict] = []
        self.text = ""
        for f in sorted(path.glob("*.tf")):
            text = f.read_text(encoding="utf-8")
            self.text += text
            doc = hcl2.loads(text, serialization_options=OPTS)
            for block in doc.get("resource", []):
                for rtype, named in block.items():
                    self.resources.setdefault(rtype, {}).update(named)
            for block in doc.get("data", []):
                for dtype, named in block.items():
                    self.data.setdefault(dtype, {}).update(named)
            for block in doc.get("variable", []):
                self.variables.update(block)
            for block in doc.get("locals", []):
                self.locals.update({k: v for k, v in block.items() if not k.startswith("__")})
            for block in doc.get("module", []):
                self.modules.update(block)
            for block in doc.get("output", []):
                self.outputs.update(block)
            self.terraform.extend(doc.get("terraform", []))

    def resource(self, rtype: str, name: str) -> dict:
        assert rtype in self.resources and name in self.resources[rtype], f"{self.path}: no {rtype}.{name}"
        return self.resources[rtype][name]

    def default(self, var: str):
        assert var in self.variables, f"{self.path}: no variable {var}"
        return self.variables[var].get("default")


def module(rel: str) -> Module:
    return Module(TF / rel)


REF = re.compile(r"^\$\{(var|local)\.([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+)*)\}$")


def resolve(value, mod: Module, args: dict | None = None, parent: "Module | None" = None, depth: int = 0):
    """Resolve `${var.x}` / `${local.x}` to a literal where the configuration makes that possible.

    `args` are the arguments the parent passes in its module block (resolved in `parent`);
    otherwise a variable resolves to its default. Anything else is returned unchanged.
    """
    if depth > 10 or not isinstance(value, str):
        return value
    wrapped = re.match(r"^\$\{tostring\(((?:var|local)\.[A-Za-z0-9_.]+)\)\}$", value)
    if wrapped:
        got = resolve("${" + wrapped.group(1) + "}", mod, args, parent, depth + 1)
        return value if isinstance(got, str) and got.startswith("${") else str(got)
    m = REF.match(value)
    if not m:
        return value
    kind, name, path = m.groups()
    got = value
    if kind == "local" and name in mod.locals:
        got = resolve(mod.locals[name], mod, args, parent, depth + 1)
    elif kind == "var":
        if args is not None and name in args:
            got = resolve(args[name], parent, None, None, depth + 1) if parent else args[name]
        elif name in mod.variables:
            got = resolve(mod.default(name), mod, args, parent, depth + 1)
    for attr in filter(None, path.split(".")):
        if not isinstance(got, dict) or attr not in got:
            return value
        got = got[attr]
    if isinstance(got, str) and "${" in got and not REF.match(got):
        got = interpolate(got, mod, args, parent)
    else:
        got = resolve(got, mod, args, parent, depth + 1)
    return got


def interpolate(template: str, mod: Module, args: dict | None = None, parent: "Module | None" = None) -> str:
    """Substitute `${var.x}` / `${local.x}` inside a string (e.g. "0.0.0.0:${var.app_port}")."""

    def sub(m: re.Match) -> str:
        got = resolve("${" + m.group(1) + "}", mod, args, parent)
        return str(got) if not (isinstance(got, str) and got.startswith("${")) else m.group(0)

    return re.sub(r"\$\{((?:var|local)\.[A-Za-z0-9_.]+)\}", sub, template)


@pytest.fixture(scope="session")
def root() -> Module:
    return Module(TF)


@pytest.fixture(scope="session")
def service() -> Module:
    return module("modules/service")


@pytest.fixture(scope="session")
def edge() -> Module:
    return module("modules/edge")


@pytest.fixture(scope="session")
def observability() -> Module:
    return module("modules/observability")


def all_modules() -> list[Module]:
    dirs = {Path(p).parent for p in glob.glob(str(TF / "**" / "*.tf"), recursive=True)}
    return [Module(d) for d in sorted(dirs) if ".terraform" not in d.parts]


@pytest.fixture(scope="session")
def service_args(root: Module) -> dict:
    return root.modules["service"]


def svc(value, service: Module, service_args: dict, root: Module):
    """Resolve a value of the service module as the root configuration instantiates it."""
    if isinstance(value, str) and "${" in value and not REF.match(value) and not value.startswith("${tostring("):
        return interpolate(value, service, service_args, root)
    return resolve(value, service, service_args, root)


@pytest.fixture(scope="session")
def app_container(service: Module) -> dict:
    return service.locals["app_container"]


@pytest.fixture(scope="session")
def collector_container(service: Module) -> dict:
    return service.locals["collector_container"]


@pytest.fixture(scope="session")
def app_env(app_container, service, service_args, root) -> dict[str, str]:
    return {e["name"]: str(svc(e["value"], service, service_args, root)) for e in app_container["environment"]}


@pytest.fixture(scope="session")
def collector_config(service: Module, service_args: dict, root: Module) -> dict:
    """The ADOT config as the task definition carries it: the template rendered with the
    module's collector_template_vars (values Terraform only knows at apply time stay symbolic)."""
    tvars = {k: svc(v, service, service_args, root) for k, v in service.locals["collector_template_vars"].items()}
    template = (TF / "modules/service/templates/otel-collector.yaml.tftpl").read_text(encoding="utf-8")
    used = set(re.findall(r"(?<!\$)\$\{([a-z_]+)\}", template))
    missing = used - set(tvars)
    assert not missing, f"template variables without a value in collector_template_vars: {missing}"

    def sub(m: re.Match) -> str:
        v = tvars[m.group(1)]
        return str(v) if not (isinstance(v, str) and "${" in v) else f"UNRESOLVED_{m.group(1)}"

    rendered = re.sub(r"(?<!\$)\$\{([a-z_]+)\}", sub, template).replace("$${", "${")
    return yaml.safe_load(rendered)


# ---------------------------------------------------------------------------------------------
# Dashboards and workflows
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dashboards() -> dict[str, dict]:
    files = sorted((ROOT / "dashboards").glob("*.json"))
    assert files, "no dashboards/*.json"
    return {f.name: json.loads(f.read_text(encoding="utf-8")) for f in files}


@pytest.fixture(scope="session")
def workflows() -> dict[str, dict]:
    out = {}
    for f in sorted((ROOT / ".github/workflows").glob("*.yml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        # YAML 1.1 reads the `on:` key as True.
        if True in doc:
            doc["on"] = doc.pop(True)
        out[f.name] = doc
    return out


# ---------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------


def service_binary() -> Path:
    return Path(os.environ.get("PRODUCTS_API_BIN", ROOT / "target/debug/products-api"))


@pytest.fixture(scope="session")
def binary() -> Path:
    b = service_binary()
    if not b.is_absolute():
        b = ROOT / b
    assert b.exists(), f"{b} is missing: build it first (cargo build --locked --bin products-api)"
    return b


@pytest.fixture(scope="session")
def help_defaults(binary: Path) -> dict[str, str]:
    """ENV_VAR -> default, as `products-api serve --help` documents them."""
    out = subprocess.run([str(binary), "serve", "--help"], capture_output=True, text=True, timeout=30, check=True).stdout
    defaults = {}
    for env, default in re.findall(r"\[env: ([A-Z_]+)=?[^\]]*\]\s*\[default: ([^\]]+)\]", out):
        defaults[env] = default.strip()
    return defaults


@pytest.fixture(scope="session")
def contract_defaults() -> dict[str, str]:
    """ENV_VAR -> default from the contract's configuration table (section 6)."""
    path = ROOT.parent / "shared" / "contract.md"
    if not path.exists():
        path = Path("/work/shared/contract.md")
    defaults = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`([A-Z_]+)`\s*\|\s*`?([^`|]+?)`?\s*\|", line)
        if m:
            defaults[m.group(1)] = m.group(2)
    return defaults


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class LiveService:
    def __init__(self, api: str, metrics: str, log_path: Path):
        self.api = api
        self.metrics = metrics
        self.log_path = log_path

    def scrape(self) -> str:
        status, body = http("GET", self.metrics + "/metrics")
        assert status == 200, f"/metrics answered {status}"
        return body.decode()

    def families(self) -> dict[str, set[str]]:
        """Metric family name -> label names seen on its samples."""
        text = self.scrape()
        fams: dict[str, set[str]] = {}
        for name in re.findall(r"^# TYPE (\S+) \S+$", text, re.M):
            fams.setdefault(name, set())
        for name, labels in re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? ", text, re.M):
            family = re.sub(r"_(bucket|sum|count)$", "", name) if re.sub(r"_(bucket|sum|count)$", "", name) in fams else name
            fams.setdefault(family, set()).update(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', labels or ""))
        return fams


@pytest.fixture(scope="session")
def live() -> "LiveService":
    b = service_binary()
    b = b if b.is_absolute() else ROOT / b
    assert b.exists(), f"{b} is missing: build it first (cargo build --locked --bin products-api)"
    tmp = Path(tempfile.mkdtemp(prefix="products-api-infra-"))
    api_port, metrics_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PG", "DATABASE_URL", "OTEL_")) and k not in {"LISTEN_ADDR", "METRICS_ADDR"}
    }
    env.update(
        DATABASE_URL=f"sqlite://{tmp}/p.db?mode=rwc",
        LISTEN_ADDR=f"127.0.0.1:{api_port}",
        METRICS_ADDR=f"127.0.0.1:{metrics_port}",
        LOG_FORMAT="json",
        RUST_LOG="info",
    )
    log_path = tmp / "serve.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(b), "serve"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    svc_ = LiveService(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{metrics_port}", log_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"products-api serve exited early: {log_path.read_text(errors='replace')[-2000:]}"
            try:
                if http("GET", svc_.api + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "products-api did not answer /healthz within 30 s"
            time.sleep(0.2)
        # The few v1 requests the dashboards' metrics need to exist.
        assert http("POST", svc_.api + "/v1/products", {"name": "x", "quantity": 1})[0] == 201
        assert http("GET", svc_.api + "/v1/products/x")[0] == 200
        assert http("POST", svc_.api + "/v1/products/x/adjustments", {"delta": 1})[0] == 200
        assert http("POST", svc_.api + "/v1/products/x/adjustments", {"delta": -1000})[0] == 409
        assert http("GET", svc_.api + "/v1/products/does-not-exist")[0] == 404
        yield svc_
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def port_of(addr: str) -> int:
    return int(str(addr).rsplit(":", 1)[1])
