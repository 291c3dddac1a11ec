"""The image's build context (.dockerignore) holds everything the Dockerfile's cargo needs."""

import fnmatch
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
    builder = dockerfile[dockerfile.index(" AS builder"):dockerfile.index("cargo chef cook")]
    copied = [line.split()[1] for line in builder.splitlines() if line.startswith("COPY ")]
    for path in paths:
        assert not ignored(f"{path}/Cargo.toml"), f"{path} is left out of the Docker build context"
        assert any(path == c or path.startswith(c.rstrip("/") + "/") for c in copied), \
            f"{path} is not copied before cargo chef cook"
