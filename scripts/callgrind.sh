#!/usr/bin/env bash
# User-space instructions per NOP, counted by valgrind's callgrind: each
# configuration runs for N and for 2N operations (after the same warm-up),
# and the figure is (Ir(2N) - Ir(N)) / N, which removes process start-up,
# ring setup and the warm-up. Instruction counts do not depend on the
# machine's load, unlike wall-clock figures; kernel instructions are not
# counted.
#
# Usage: scripts/callgrind.sh [N]      (default N = 64000 operations)
#
# Builds through `scripts/bench.sh build`. Writes the callgrind profiles and
# `callgrind_annotate` per-function listings of every 2N run to
# target/bench/callgrind/, and prints the listing of ring-core's raw layer
# at batch 32, which shows where its instructions go.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-64000}"
WARMUP=3200
MAIN=target/bench
ALT=target/bench-alt
C="$MAIN/c"
OUT="$MAIN/callgrind"

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
scripts/bench.sh build
mkdir -p "$OUT"

# name | command (without --ops)
configs=(
  "ring-core raw, batch 32|$MAIN/release/raw_nop --batch 32"
  "ring-core raw, batch 1|$MAIN/release/raw_nop --batch 1"
  "ring-core raw, reaping with pop(), batch 32|$MAIN/release/raw_nop --batch 32 --reap pop"
  "ring-core raw, libc::syscall, batch 32|$ALT/release/raw_nop --batch 32"
  "ring-core raw, libc::syscall, batch 1|$ALT/release/raw_nop --batch 1"
  "ring-core raw, DEFER_TASKRUN, batch 32|$MAIN/release/raw_nop --batch 32 --defer"
  "ring-core raw, DEFER_TASKRUN, batch 1|$MAIN/release/raw_nop --batch 1 --defer"
  "ring-core safe, batch 32|$MAIN/release/safe_nop --workload nop --batch 32"
  "ring-core safe, batch 1|$MAIN/release/safe_nop --workload nop --batch 1"
  "io-uring crate, batch 32|$MAIN/release/peer_iouring_nop --batch 32"
  "io-uring crate, batch 1|$MAIN/release/peer_iouring_nop --batch 1"
  "io-uring crate, direct-syscall, batch 32|$ALT/release/peer_iouring_nop --batch 32"
  "io-uring crate, direct-syscall, batch 1|$ALT/release/peer_iouring_nop --batch 1"
)
if [ -x "$C/liburing_nop" ]; then
  configs+=(
    "liburing, batch 32|$C/liburing_nop --batch 32"
    "liburing, batch 1|$C/liburing_nop --batch 1"
  )
fi

# Ir of one run: the `Collected` total callgrind prints.
ir() {
  local file="$1"; shift
  # shellcheck disable=SC2068 # the command is a word list
  valgrind --tool=callgrind --callgrind-out-file="$file" $@ 2>&1 >/dev/null |
    awk '/Collected :/ { print $4 }'
}

slug() { echo "$1" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-'; }

echo
echo "callgrind, N = $N operations (warm-up $WARMUP), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| configuration | Ir(N) | Ir(2N) | instructions/op |"
echo "|---|---|---|---|"
for c in "${configs[@]}"; do
  name="${c%%|*}"
  cmd="${c#*|}"
  s="$(slug "$name")"
  a="$(ir "$OUT/$s.N.out" "$cmd --warmup $WARMUP --ops $N")"
  b="$(ir "$OUT/$s.2N.out" "$cmd --warmup $WARMUP --ops $((2 * N))")"
  per="$(python3 -c "print(f'{($b - $a) / $N:.1f}')")"
  echo "| $name | $a | $b | $per |"
  callgrind_annotate --inclusive=no "$OUT/$s.2N.out" >"$OUT/$s.annotate.txt" 2>/dev/null || true
done
echo
echo "Per-function self cost, ring-core raw batch 32, 2N run ($OUT/$(slug "ring-core raw, batch 32").annotate.txt):"
sed -n '/file:function/,$p' "$OUT/$(slug "ring-core raw, batch 32").annotate.txt" | head -16
