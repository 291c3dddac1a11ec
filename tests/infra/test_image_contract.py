"""The image's build context (.dockerignore) holds everything the Dockerfile's cargo needs, and
the image is compiled with the recorded profile (pgo/), as the benchmark's binary is."""

import fnmatch
import gzip
import re
import tomllib

from conftest import ROOT


def ignored(path: str) -> bool:
    """Whether .dockerignore leaves `path` out of the build context: the last pattern that
    matches the path or one of its parent folders decides, `!` patterns putting it back."""
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    result = False
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern = line.removeprefix("!").strip("/")
        if any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates):
            result = not line.startswith("!")
    return result


def test_every_workspace_member_is_in_the_build_context():
    # cargo loads every member's manifest, even to build one binary of one package.
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))["workspace"]
    members = [m for m in workspace["members"] if m != "."]
    assert members, "no workspace members read"
    for member in members:
        for needed in (f"{member}/Cargo.toml", f"{member}/src/lib.rs"):
            if (ROOT / needed).exists():
                assert not ignored(needed), f"{needed} is left out of the Docker build context"


def test_what_the_image_does_not_need_stays_out():
    for path in ("target/release/products-api", "bench/harness.py", "terraform/main.tf",
                 "tools/lint/package.json", ".git/HEAD"):
        assert ignored(path), f"{path} would be sent to the Docker build"


def test_crates_patched_in_by_path_reach_the_dependency_layer():
    # cargo-chef's recipe holds workspace members only: a crate patched in by path must be in
    # the build context and copied into the builder stage before `cargo chef cook` loads it.
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))
    paths = [p["path"] for p in manifest.get("patch", {}).get("crates-io", {}).values()
             if "path" in p]
    assert paths, "no crate is patched in by path"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    builder = dockerfile[dockerfile.index(" AS builder"):dockerfile.index("chef cook")]
    copied = [line.split()[1] for line in builder.splitlines() if line.startswith("COPY ")]
    for path in paths:
        assert not ignored(f"{path}/Cargo.toml"), f"{path} is left out of the Docker build context"
        assert any(path == c or path.startswith(c.rstrip("/") + "/") for c in copied), \
            f"{path} is not copied before cargo chef cook"


def test_the_image_and_the_benchmark_build_with_the_recorded_profile():
    # pgo/: an indexed LLVM profile (its magic number, little-endian), gzipped, in the context.
    profile = "pgo/products-api.profdata.gz"
    assert not ignored(profile) and not ignored("pgo/cargo.sh"), "pgo/ is left out of the context"
    with gzip.open(ROOT / profile) as f:
        assert f.read(8) == b"\xfflprofi\x81", f"{profile} is not an indexed LLVM profile"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    builder = dockerfile[dockerfile.index(" AS builder"):dockerfile.index(" AS runtime")]
    cook = builder.index("chef cook")
    assert any(line.startswith("COPY ") and "pgo/cargo.sh" in line and profile in line
               for line in builder[:cook].splitlines()), "pgo/ is not copied before cargo chef cook"
    # Every compilation in the image, and the benchmark's, goes through pgo/cargo.sh.
    bench = (ROOT / "bench" / "run.sh").read_text(encoding="utf-8")
    for name, text in (("Dockerfile", builder), ("bench/run.sh", bench)):
        builds = [line for line in text.splitlines()
                  if re.search(r"(chef cook|build --release).*(-p|--bin) products-api", line)
                  and not line.lstrip().startswith(("#", "log "))]
        assert builds and all("pgo/cargo.sh" in line for line in builds), \
            f"{name} compiles the service without the profile: {builds}"
