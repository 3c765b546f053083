#!/usr/bin/env bash
# User-space instructions per request of one stack's echo or HTTP server,
# counted by callgrind over a run of steady load: the server runs under
# valgrind on CPU 1, the load (load_echo or wrk -t1) on CPU 0. A first load
# run warms the server up (valgrind translates the hot code on first use);
# then the counters are zeroed (callgrind_control -z), a second load run of
# SECONDS is the window, and the counters are dumped (callgrind_control -d).
# Instructions per request = the dump's total / the requests the load
# generator completed in the window (the window's first connections'
# accepts are counted too: 64 against tens of thousands of requests).
#
# The server's stdin control channel is not used: valgrind runs one thread
# at a time and keeps its lock while a thread is blocked in io_uring_enter
# (a call it does not know may block), so the control thread never runs
# while the server waits for completions.
#
# Kernel instructions are not counted (STRACE=1 in scripts/bench-compare.sh
# counts the system calls instead).
#
# Usage: scripts/callgrind-server.sh STACK echo|http [CONNS] [SECONDS]
#   STACK: ring-core, ring-core-defer, tokio-uring, monoio, compio, glommio, tokio
#
# Builds nothing: run `scripts/bench-compare.sh build` first. Writes the
# profile and callgrind_annotate listings to target/bench-compare/callgrind/.
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

taskset -c 1 valgrind --tool=callgrind --callgrind-out-file="$PROF" --dump-instr=no \
  "${CMD[@]}" --port "$PORT" --max-seconds $((SECS * 4 + 120)) \
  < <(sleep $((SECS * 4 + 120))) >"$OUT/$STACK-$MODE.stdout.txt" 2>"$OUT/$STACK-$MODE.valgrind.txt" &
PID=$!
for _ in $(seq 1 100); do
  grep -q READY "$OUT/$STACK-$MODE.stdout.txt" 2>/dev/null && break
  sleep 0.2
done

load() {
  if [ "$MODE" = echo ]; then
    taskset -c 0 target/bench/release/load_echo --port "$PORT" --conns "$CONNS" --warmup 0 --seconds "$1" |
      awk -F'\t' '/^RESULT/ { for (i = 2; i <= NF; i++) if ($i ~ /^ops=/) { sub("ops=", "", $i); print $i } }'
  else
    taskset -c 0 wrk -t1 -c"$CONNS" -d"$1"s "http://127.0.0.1:$PORT/" | awk '/requests in/ { print $1 }'
  fi
}

load "$SECS" >/dev/null
callgrind_control -z "$PID" >/dev/null 2>&1
N=$(load "$SECS")
callgrind_control -d "$PID" >/dev/null 2>&1
kill -9 "$PID" 2>/dev/null || true
wait "$PID" 2>/dev/null || true

DUMP=$(ls -t "$PROF".* 2>/dev/null | head -1)
IR=$(awk '/^summary:/ { print $2 }' "$DUMP")
echo "$STACK $MODE, $CONNS connections: $N operations in the window, $IR instructions:" \
  "$(python3 -c "print(round($IR / max(1, $N)))") user-space instructions per operation"
callgrind_annotate --inclusive=no "$DUMP" 2>/dev/null | sed -n '/file:function/,$p' | head -30 >"$OUT/$STACK-$MODE.annotate.txt"
callgrind_annotate --inclusive=yes "$DUMP" 2>/dev/null | sed -n '/file:function/,$p' | head -40 >"$OUT/$STACK-$MODE.inclusive.txt"
echo "profile: $DUMP; listings: $OUT/$STACK-$MODE.{annotate,inclusive}.txt" >&2
