#!/usr/bin/env bash
# Runs each cargo-fuzz target for a while (default 60 s each), one after
# the other (the machine is shared; libFuzzer uses one core per target).
#   ./scripts/fuzz.sh                         # every target, 60 s each
#   ./scripts/fuzz.sh 600 completion_stream   # one target, ten minutes
#   FUZZ_BUILD_ONLY=1 ./scripts/fuzz.sh       # build the targets only
#
# libFuzzer needs unstable compiler flags (-Zsanitizer=address and the
# coverage instrumentation). The pinned stable toolchain builds them with
# RUSTC_BOOTSTRAP=1, which is what this script uses unless
# FUZZ_TOOLCHAIN=nightly says otherwise. cargo-fuzz is installed from
# crates.io if it is missing.
#
# Each target's corpus is fuzz/corpus/<target> (not checked in; it grows
# as the fuzzer finds new paths), started from the checked-in seeds in
# fuzz/seeds/<target>. An input that fails lands in fuzz/artifacts/<target>/;
# copy it into fuzz/seeds/<target>/ (the plain tests run every seed, see
# verification/tests/{completion_stream,sqe_builders,safe_prepare,fuzz_bodies}.rs) and
# add a regression test next to the fix.
#
# Budget: a cold build of the targets takes about 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"; shift || true
targets=("$@")
if [ "${FUZZ_TOOLCHAIN:-stable}" = "nightly" ]; then
  cargo_fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  cargo_fuzz=(cargo fuzz)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz ..."
  cargo install cargo-fuzz --locked
fi
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && "${cargo_fuzz[@]}" list)
fi
echo "== building ${targets[*]} =="
(cd fuzz && time "${cargo_fuzz[@]}" build)
if [ -n "${FUZZ_BUILD_ONLY:-}" ]; then
  exit 0
fi
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${secs}s =="
  mkdir -p "fuzz/corpus/$t" "fuzz/seeds/$t"
  (cd fuzz && "${cargo_fuzz[@]}" run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=4096 -print_final_stats=1)
done
