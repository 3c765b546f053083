#!/usr/bin/env bash
# Runs the simulated-kernel suites under Miri: the unchanged ring-core
# (rings, queues, driver) on the verification crate's simulated kernel,
# with Miri checking every access for undefined behaviour, data races (the
# SQPOLL test runs the poll thread as a real thread), aliasing and
# provenance. Miri cannot make the io_uring system calls, which is why it
# runs against the simulator and not the real kernel.
#
# Two passes, because the kernel's access to user memory cannot be modelled
# under strict provenance and an aliasing model at once (details in
# docs/verification.md and verification/src/sim/user.rs):
#
#   1. strict provenance: -Zmiri-strict-provenance. No integer ever becomes
#      a pointer, in ring-core or in the simulator, which reaches user
#      memory through the pointers the tracking allocator recorded
#      (VERIFICATION_SIM_PROVENANCE=tracker, forwarded into the isolated
#      interpreter with -Zmiri-env-forward). Those carry the allocation's
#      root permission, so the aliasing model is off in this pass
#      (-Zmiri-disable-stacked-borrows); everything else is checked.
#   2. aliasing: Stacked Borrows on, and the simulator reaches user memory
#      through the provenance the application exposed with `ptr as u64`,
#      exactly as the kernel uses the address it was given
#      (-Zmiri-permissive-provenance only silences the warning about that
#      one integer-to-pointer conversion).
#
# Isolation stays on in both passes: nothing needs the host clock or file
# system (thread::sleep and Instant use Miri's virtual clock).
#
# Usage: scripts/miri.sh [extra arguments for the test binaries]
# Budget: about 13 minutes per pass on 2 cores (measured 2026-11-22, other builds running).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v rustup >/dev/null 2>&1; then
  echo "miri.sh: rustup is not installed; Miri needs a nightly toolchain managed by rustup." >&2
  exit 2
fi
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "miri.sh: no nightly toolchain; installing one (rustup toolchain install nightly)."
  if ! rustup toolchain install nightly --profile minimal; then
    echo "miri.sh: could not install a nightly toolchain; Miri cannot run." >&2
    exit 2
  fi
fi
if ! rustup component add --toolchain nightly miri rust-src; then
  echo "miri.sh: the Miri component is not available for this nightly (or there is no network);" >&2
  echo "miri.sh: try 'rustup toolchain install nightly --component miri' with a recent date." >&2
  exit 2
fi

echo "==== Miri setup ===="
cargo +nightly miri setup

# The suites that run on the simulator. Add later suites here.
SUITES=(sim_ring sim_driver sim_pbuf sim_registered_rings routing_generations prop_driver)

run_pass() {
  local name=$1 flags=$2 mode=$3
  for suite in "${SUITES[@]}"; do
    # A provided-buffer ring is memory the application maps itself, which
    # the tracking allocator never sees: under strict provenance the
    # simulator has no pointer to it (docs/verification.md, section 3), so
    # that suite runs in the aliasing pass only.
    if [[ $mode == tracker && $suite == sim_pbuf ]]; then continue; fi
    echo "==== Miri (${name}): verification --test ${suite} ===="
    echo "     MIRIFLAGS=${flags} VERIFICATION_SIM_PROVENANCE=${mode}"
    VERIFICATION_SIM_PROVENANCE="${mode}" MIRIFLAGS="${flags}" \
      cargo +nightly miri test -p verification --test "${suite}" -- "${EXTRA[@]}"
  done
}

EXTRA=("$@")
run_pass "strict provenance" \
  "-Zmiri-strict-provenance -Zmiri-disable-stacked-borrows -Zmiri-env-forward=VERIFICATION_SIM_PROVENANCE" \
  tracker
run_pass "aliasing" "-Zmiri-permissive-provenance" exposed
echo "==== Miri: every suite passed in both passes (sim_pbuf in the aliasing pass) ===="
