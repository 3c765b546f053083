#!/usr/bin/env bash
# Side-by-side measurements of ring-core against the io-uring crate and
# liburing: builds everything (--release), runs every configuration RUNS
# times, alternating the stacks run by run (A B C ... A B C ...), pinned to
# one CPU with `taskset -c $CPU` where available, and prints the median of
# each configuration with its ratio to ring-core's raw layer.
#
# Usage:
#   scripts/bench.sh            build, then run everything (about 5 minutes)
#   scripts/bench.sh build      only build (used by scripts/callgrind.sh)
#   scripts/bench.sh nop        only the NOP configurations
#   scripts/bench.sh read       only the page-cache read configurations
#   scripts/bench.sh safe       only the safe-layer configurations
#
# Environment: RUNS (default 3), CPU (default 1), NOP_OPS (default
# 10000000), NOP1_OPS (batch 1, default 2000000), READ_OPS (default
# 1000000), BENCH_FILE (the 1 GiB read file, default /tmp/ring-bench-1g.bin).
#
# Builds:
#   target/bench      ring-core with inline-asm system calls (the default),
#                     the io-uring crate with libc::syscall (its default)
#   target/bench-alt  ring-core with --features ring-core/libc-syscall, the
#                     io-uring crate with its direct-syscall feature
#   target/bench/c    the liburing programs (cc -O2 ... -luring), against
#                     Debian's liburing-dev, installed here if missing
#
# Raw results (one RESULT line per run) go to target/bench/results.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
CPU="${CPU:-1}"
NOP_OPS="${NOP_OPS:-10000000}"
NOP1_OPS="${NOP1_OPS:-2000000}"
READ_OPS="${READ_OPS:-1000000}"
BENCH_FILE="${BENCH_FILE:-/tmp/ring-bench-1g.bin}"
MAIN=target/bench
ALT=target/bench-alt
C="$MAIN/c"

install_liburing() {
  if [ -f /usr/include/liburing.h ]; then
    return 0
  fi
  echo "installing Debian's liburing-dev (apt-get)" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "not root: cannot install liburing-dev; the liburing figures are skipped" >&2
    return 1
  fi
  apt-get install -y -qq liburing-dev >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq liburing-dev >/dev/null 2>&1; } ||
    { echo "liburing-dev is unavailable: the liburing figures are skipped" >&2; return 1; }
}

build() {
  echo "==== build ====" >&2
  cargo build --release --locked -p benches --target-dir "$MAIN" >&2
  cargo build --release --locked -p benches --target-dir "$ALT" \
    --features ring-core/libc-syscall,direct-syscall >&2
  mkdir -p "$C"
  if install_liburing; then
    cc -O2 -Wall -Wextra -o "$C/liburing_nop" benches/c/liburing_nop.c -luring
    cc -O2 -Wall -Wextra -o "$C/liburing_read" benches/c/liburing_read.c -luring
  fi
}

PIN=()
if command -v taskset >/dev/null 2>&1 && taskset -c "$CPU" true 2>/dev/null; then
  PIN=(taskset -c "$CPU")
else
  echo "taskset unavailable: runs are not pinned" >&2
fi

# The configurations, one per line: a command line relative to the repo.
nop_configs() {
  local b ops
  for b in 32 1; do
    if [ "$b" = 1 ]; then ops="$NOP1_OPS"; else ops="$NOP_OPS"; fi
    local a="--batch $b --ops $ops"
    echo "$MAIN/release/raw_nop $a"
    echo "$ALT/release/raw_nop $a"
    echo "$MAIN/release/raw_nop $a --no-registered-fd"
    echo "$ALT/release/raw_nop $a --no-registered-fd"
    echo "$MAIN/release/raw_nop $a --defer"
    echo "$ALT/release/raw_nop $a --defer"
    echo "$MAIN/release/peer_iouring_nop $a"
    echo "$ALT/release/peer_iouring_nop $a"
    echo "$MAIN/release/peer_iouring_nop $a --registered-fd"
    echo "$ALT/release/peer_iouring_nop $a --registered-fd"
    echo "$MAIN/release/peer_iouring_nop $a --defer"
    echo "$ALT/release/peer_iouring_nop $a --defer"
    if [ -x "$C/liburing_nop" ]; then
      echo "$C/liburing_nop $a"
      echo "$C/liburing_nop $a --registered-fd"
      echo "$C/liburing_nop $a --defer"
      echo "$C/liburing_nop $a --defer --registered-fd"
    fi
  done
}

safe_configs() {
  echo "$MAIN/release/safe_nop --workload nop --batch 32 --ops $NOP_OPS"
  echo "$ALT/release/safe_nop --workload nop --batch 32 --ops $NOP_OPS"
  echo "$MAIN/release/safe_nop --workload nop --batch 1 --ops $NOP1_OPS"
  echo "$ALT/release/safe_nop --workload nop --batch 1 --ops $NOP1_OPS"
  echo "$MAIN/release/safe_nop --workload nop --batch 32 --ops $NOP_OPS --defer"
  echo "$MAIN/release/safe_nop --workload nop --batch 1 --ops $NOP1_OPS --defer"
  echo "$MAIN/release/safe_nop --workload write --batch 32 --ops $READ_OPS"
}

read_configs() {
  local a="--qd 32 --ops $READ_OPS --file $BENCH_FILE"
  echo "$MAIN/release/raw_read --stack ring-core $a"
  echo "$ALT/release/raw_read --stack ring-core $a"
  echo "$MAIN/release/raw_read --stack io-uring $a"
  echo "$ALT/release/raw_read --stack io-uring $a"
  echo "$MAIN/release/raw_read --stack io-uring $a --registered-fd"
  if [ -x "$C/liburing_read" ]; then
    echo "$C/liburing_read $a"
    echo "$C/liburing_read $a --registered-fd"
  fi
  echo "$MAIN/release/safe_nop --workload read --batch 32 --ops $READ_OPS --file $BENCH_FILE"
}

run_all() {
  local out="$MAIN/results.tsv"
  local configs=()
  local what
  for what in "$@"; do
    while IFS= read -r line; do configs+=("$line"); done < <("${what}_configs")
  done
  # The read file is created once here (raw_read creates it if missing);
  # every read run re-reads it end to end right before its measurement.
  if printf '%s\n' "${configs[@]}" | grep -q -- '--file'; then
    "$MAIN/release/raw_read" --ops 1 --warmup 0 --file "$BENCH_FILE" >/dev/null
  fi
  : >"$out"
  echo "==== ${#configs[@]} configurations x $RUNS runs, pinned: ${PIN[*]:-no} ====" >&2
  # Wall-clock figures depend on what else runs: record the load around them.
  local load_before
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  local r cfg
  for r in $(seq 1 "$RUNS"); do
    echo "-- run $r of $RUNS" >&2
    for cfg in "${configs[@]}"; do
      # shellcheck disable=SC2086 # the configuration is a word list
      "${PIN[@]}" $cfg 2>/dev/null | grep '^RESULT' | sed "s|\$|\trun=$r|" | tee -a "$out" >&2 ||
        echo "FAILED: $cfg" >&2
    done
  done
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, kernel $(uname -r)"
  echo "load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $RUNS runs per configuration, pinned: ${PIN[*]:-no}"
  summarize "$out"
}

summarize() {
  python3 - "$1" <<'EOF'
import statistics, sys
rows = []
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.rstrip("\n").split("\t")[1:])
    rows.append(f)
key = lambda f: (f["workload"], int(f["batch"]), f["stack"], f["syscall"], f["variant"])
groups = {}
for f in rows:
    groups.setdefault(key(f), []).append(f)
med = {}
for k, fs in groups.items():
    ns = statistics.median(float(f["ns_per_op"]) for f in fs)
    allocs = [(int(f["allocs"]), int(f["ops"])) for f in fs if f.get("allocs") is not None]
    med[k] = (ns, len(fs), allocs or None,
              min(float(f["ns_per_op"]) for f in fs), max(float(f["ns_per_op"]) for f in fs))
# Reference for ratios: ring-core raw, inline asm, registered fd, same workload and batch.
def ref(k):
    w, b = k[0], k[1]
    for cand in [(w, b, "ring-core", "inline-asm", "regfd")]:
        if cand in med:
            return med[cand][0]
    return None
print()
print("| workload | batch/qd | stack | syscall path | variant | median ns/op | median ops/s | min-max ns/op | runs | vs ring-core raw | allocations / timed ops |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
order = {"ring-core": 0, "ring-core-safe": 1, "io-uring": 2, "liburing": 3}
vorder = {"regfd": 0, "plain": 1, "defer-regfd": 2, "defer-plain": 3}
for k in sorted(med, key=lambda k: (k[0], -k[1], vorder.get(k[4], 9), order.get(k[2], 9), k[3])):
    ns, n, allocs, lo, hi = med[k]
    r = ref(k)
    ratio = f"{ns / r:.2f}x" if r else "-"
    # Allocations: the worst run's count over its timed operations.
    a = "%d / %d" % max(allocs) if allocs else "-"
    print(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {k[4]} | {ns:.1f} | {1e9 / ns / 1e6:.2f} M | {lo:.1f}-{hi:.1f} | {n} | {ratio} | {a} |")
EOF
}

case "${1:-all}" in
  build) build ;;
  nop) build; run_all nop ;;
  read) build; run_all read ;;
  safe) build; run_all safe ;;
  all) build; run_all nop safe read ;;
  *) echo "usage: $0 [build|nop|read|safe|all]" >&2; exit 2 ;;
esac
