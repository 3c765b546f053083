#!/usr/bin/env bash
# Runs each cargo-fuzz target for a while (default 60 s each).
#   ./scripts/fuzz.sh            # every target, 60 s each
#   ./scripts/fuzz.sh 300 sim_ring
# Needs the nightly toolchain (present on this machine kind) and cargo-fuzz,
# which this script installs from crates.io if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"; shift || true
targets=("$@")
if ! rustup toolchain list | grep -q nightly; then
  echo "fuzz.sh: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
  exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz ..."
  cargo install cargo-fuzz --locked
fi
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${secs}s =="
  (cd fuzz && cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=4096)
done
