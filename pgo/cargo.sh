#!/usr/bin/env bash
# cargo, with the service's profile-guided optimisation: `pgo/cargo.sh build --release --locked
# --bin products-api` builds what the image ships. The binary lands in
# target/<host triple>/release/: cargo applies RUSTFLAGS to --target builds' own crates only, not
# to build scripts and proc-macros, and the profile was recorded from such a build (pgo/train.sh).
# A profile older than the code is safe: functions that changed are compiled without it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
profile="$here/products-api.profdata"
# rustc reads the profile uncompressed; the repository keeps it gzipped (a fifth of the size).
if [[ ! -f "$profile" || "$here/products-api.profdata.gz" -nt "$profile" ]]; then
  gzip -dc "$here/products-api.profdata.gz" >"$profile.tmp"
  mv "$profile.tmp" "$profile"
fi
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc --print host-tuple)}"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-Cprofile-use=$profile"
exec cargo "$@"
