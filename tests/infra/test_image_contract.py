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
