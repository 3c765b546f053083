#!/usr/bin/env bash
# User-space instructions per request of one stack's echo or HTTP server,
# counted by callgrind over a window of steady load: the server runs under
# valgrind on CPU 1, the load (load_echo or wrk -t1) on CPU 0; at the start
# of the window the counters are zeroed (callgrind_control -z) and the
# server's own window opens (the `start` line of bench_harness::control), at
# its end both close (`stop`, callgrind_control -d). Instructions per request
# = the dump's total / the requests the server counted in the window.
# Kernel instructions are not counted (strace -c, STRACE=1 in
# scripts/bench-compare.sh, counts the system calls instead).
#
# Usage: scripts/callgrind-server.sh STACK echo|http [CONNS] [SECONDS]
#   STACK: ring-core, ring-core-defer, tokio-uring, monoio, compio, glommio, tokio
#
# Builds nothing: run `scripts/bench-compare.sh build` first. Writes the
# profile and a callgrind_annotate listing to target/bench-compare/callgrind/.
set -euo pipefail
cd "$(dirname "$0")/.."

STACK="${1:?stack}"
MODE="${2:?echo or http}"
CONNS="${3:-64}"
SECS="${4:-10}"
OUT=target/bench-compare/callgrind
mkdir -p "$OUT"
case "$STACK" in
  ring-core) CMD=(target/bench/release/safe_stack "$MODE") ;;
  ring-core-defer) CMD=(target/bench/release/safe_stack "$MODE" --variant defer) ;;
  *) CMD=("benches/peers/target/release/peer-$STACK" "$MODE") ;;
esac
PORT=$((30000 + RANDOM % 20000))
PROF="$OUT/$STACK-$MODE.out"
rm -f "$PROF"*

coproc SRV {
  exec taskset -c 1 valgrind --tool=callgrind --callgrind-out-file="$PROF" --dump-instr=no \
    "${CMD[@]}" --port "$PORT" --max-seconds $((SECS * 4 + 120)) 2>"$OUT/$STACK-$MODE.valgrind.txt"
}
read -r ready <&"${SRV[0]}"
echo "$ready" >&2
PID=$SRV_PID

if [ "$MODE" = echo ]; then
  taskset -c 0 target/bench/release/load_echo --port "$PORT" --conns "$CONNS" --warmup $((SECS * 2)) \
    --seconds "$SECS" >"$OUT/client.txt" &
else
  taskset -c 0 wrk -t1 -c"$CONNS" -d$((SECS * 3 + 5))s "http://127.0.0.1:$PORT/" >"$OUT/client.txt" &
fi
LOAD=$!
# Warm-up: valgrind translates the hot code on first use.
sleep $((SECS * 2))
callgrind_control -z "$PID" >/dev/null
echo start >&"${SRV[1]}"
sleep "$SECS"
echo stop >&"${SRV[1]}"
callgrind_control -d "$PID" >/dev/null
read -r result <&"${SRV[0]}"
wait "$LOAD" || true
echo exit >&"${SRV[1]}"
wait "$PID" 2>/dev/null || true

DUMP=$(ls -t "$PROF".* 2>/dev/null | head -1)
IR=$(awk '/^summary:/ { print $2 }' "$DUMP")
python3 - "$result" "$IR" "$MODE" <<'EOF'
import sys
rec = dict(kv.split("=", 1) for kv in sys.argv[1].split("\t")[1:])
ir, mode = int(sys.argv[2]), sys.argv[3]
n = int(rec["bytes"]) / 512 if mode == "echo" else int(rec["ops"])
print(f"{rec['stack']} {rec['variant']} {mode}: {n:.0f} operations in the window, {ir} instructions: "
      f"{ir / max(1, n):.0f} user-space instructions per operation")
EOF
callgrind_annotate --inclusive=no "$DUMP" 2>/dev/null | sed -n '/file:function/,$p' | head -30 >"$OUT/$STACK-$MODE.annotate.txt"
callgrind_annotate --inclusive=yes "$DUMP" 2>/dev/null | sed -n '/file:function/,$p' | head -40 >"$OUT/$STACK-$MODE.inclusive.txt"
echo "profile: $DUMP; listings: $OUT/$STACK-$MODE.{annotate,inclusive}.txt" >&2
