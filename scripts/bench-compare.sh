#!/usr/bin/env bash
# ring-core side by side with its peers: builds every stack's benchmark
# binaries, runs the workloads round-robin (server pinned to one CPU, load
# generator to the other), and writes the table and the plots into
# docs/benchmarks.md and docs/benchmarks/*.svg. docs/benchmarks.md says
# what each workload and setup is.
#
# Usage:
#   scripts/bench-compare.sh            build, then measure and write the report
#   scripts/bench-compare.sh build      only build (and install wrk and liburing-dev)
#   scripts/bench-compare.sh run        only measure (after a build) and write the report
#   scripts/bench-compare.sh report F   rewrite the report from a recorded run F
#                                       (target/bench-compare/results-*.jsonl)
#
# Environment (defaults in brackets):
#   ROUNDS [3]             rounds; each runs every configuration once
#   SECONDS_PER_RUN [5]    measured window of each run
#   WARMUP [1]             warm-up before each window, seconds
#   WORKLOADS [nop read direct echo http]
#   QDS [1 32 128]         queue depths of the read workloads
#   BATCHES [1 32]         NOP batch sizes
#   CONNS [16 64 256]      connections of the echo and HTTP workloads
#   STACKS []              only stacks whose label contains one of these words
#   SERVER_CPU [1], CLIENT_CPU [0]
#   MAX_LOAD [0.5], MAX_BUSY [0.10]
#                          the machine counts as busy above this 1-minute load
#                          average or share of all CPUs busy (sampled before
#                          each round); a busy machine is refused unless
#   FORCE=1                measures anyway, and the report says so
#   STRACE=1               also count system calls per operation (strace -c -f;
#                          slows every run down: use it for the counts, not
#                          the rates)
#   NO_DOCS=1              print the report instead of writing docs/
#
# With kernel.sched_autogroup_enabled=1 (the default here), `nice` does not
# protect a run from other sessions' builds: each session's processes get
# their share of a CPU whatever their nice value. Measure with the machine
# otherwise idle.
#
# Builds:
#   target/bench/release/          ring-core's binaries (the main workspace's
#                                  `benches` crate, --release)
#   target/bench/c/                the liburing programs (cc -O2 -luring)
#   benches/peers/target/release/  the peers' binaries: a workspace of its
#                                  own with its own Cargo.lock, so that the
#                                  peers' dependency trees stay out of the
#                                  main workspace
set -euo pipefail
cd "$(dirname "$0")/.."

MAIN=target/bench

install_debs() {
  local missing=()
  [ -f /usr/include/liburing.h ] || missing+=(liburing-dev)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v strace >/dev/null 2>&1 || missing+=(strace)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian's ${missing[*]} (apt-get)" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "not root: cannot install ${missing[*]}; the runs that need them fail and are reported as failed" >&2
    return 0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; } ||
    echo "could not install ${missing[*]}" >&2
}

build() {
  echo "==== build ====" >&2
  install_debs
  local t0=$SECONDS
  cargo build --release --locked -p benches --target-dir "$MAIN" >&2
  echo "ring-core's benchmark binaries: $((SECONDS - t0)) s" >&2
  mkdir -p "$MAIN/c"
  if [ -f /usr/include/liburing.h ]; then
    cc -O2 -Wall -Wextra -o "$MAIN/c/liburing_nop" benches/c/liburing_nop.c -luring
    cc -O2 -Wall -Wextra -o "$MAIN/c/liburing_read" benches/c/liburing_read.c -luring
  fi
  t0=$SECONDS
  cargo build --release --locked --manifest-path benches/peers/Cargo.toml >&2
  echo "the peers' binaries: $((SECONDS - t0)) s" >&2
}

run() {
  local a=(run --rounds "${ROUNDS:-3}" --seconds "${SECONDS_PER_RUN:-5}" --warmup "${WARMUP:-1}"
    --server-cpu "${SERVER_CPU:-1}" --client-cpu "${CLIENT_CPU:-0}"
    --max-load "${MAX_LOAD:-0.5}" --max-busy "${MAX_BUSY:-0.10}")
  # shellcheck disable=SC2206 # word lists on purpose
  a+=(--workloads ${WORKLOADS:-nop read direct echo http} --qds ${QDS:-1 32 128}
    --batches ${BATCHES:-1 32} --conns ${CONNS:-16 64 256})
  if [ -n "${STACKS:-}" ]; then
    # shellcheck disable=SC2206
    a+=(--stacks $STACKS)
  fi
  [ "${FORCE:-0}" = 1 ] && a+=(--force)
  [ "${STRACE:-0}" = 1 ] && a+=(--strace)
  [ "${NO_DOCS:-0}" = 1 ] && a+=(--no-docs)
  python3 scripts/bench_compare.py "${a[@]}"
}

case "${1:-all}" in
  build) build ;;
  run) run ;;
  all) build; run ;;
  report)
    [ $# -ge 2 ] || { echo "usage: $0 report target/bench-compare/results-*.jsonl" >&2; exit 2; }
    if [ "${NO_DOCS:-0}" = 1 ]; then
      python3 scripts/bench_compare.py report "$2" --no-docs
    else
      python3 scripts/bench_compare.py report "$2"
    fi
    ;;
  *) echo "usage: $0 [build|run|all|report FILE]" >&2; exit 2 ;;
esac
