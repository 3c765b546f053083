#!/usr/bin/env bash
# Runs the workspace's real-kernel test binaries and the tour example on the
# kernel this script runs on, each under a deadline, and writes what
# happened where scripts/kernel-matrix/table.sh reads it. The same script
# runs on the host directly and inside each QEMU guest (chrooted into the
# host's root, shared read-only), so every kernel is measured the same way.
#
# Usage: run-tests.sh OUT_DIR BINARY_LIST
#   BINARY_LIST has one line per program: LABEL <tab> WORKING_DIR <tab> PATH.
#   The label `example:tour` marks the tour, which runs without test
#   arguments; every other program is a libtest binary.
#
# Environment: KMATRIX_DEADLINE (seconds per run of one binary, default 600),
#   KMATRIX_THREADS (libtest --test-threads; default: libtest's own choice).
#
# What it writes in OUT_DIR:
#   kernel         `uname -r`
#   binaries.tsv   label, exit status, runs, passed, skipped, failed, hung,
#                  ignored, seconds
#   tests.tsv      label, test, outcome (ok, skip, FAILED, ignored, hung),
#                  and for a skip the first line it printed that starts with
#                  "skip" (any case): the reason
#   logs/LABEL.N.log   the complete output of run N of each binary
#
# A hang: when a run passes its deadline, the tests libtest named as
# "running for over 60 seconds" (or, if it named none, every test without a
# result) are recorded as hung, and the binary runs again with those tests
# skipped, so one hang costs its own result only. At most four runs.
set -uo pipefail

out=$1
list=$2
deadline=${KMATRIX_DEADLINE:-600}
threads=()
if [[ -n "${KMATRIX_THREADS:-}" ]]; then threads=(--test-threads "$KMATRIX_THREADS"); fi

mkdir -p "$out/logs"
uname -r >"$out/kernel"
: >"$out/binaries.tsv"
: >"$out/tests.tsv"

# Result lines of one libtest log: "NAME<tab>OUTCOME[<tab>REASON]". The
# per-test output sections (--show-output) follow the result lines; the
# first line of a passing test's section that starts with "skip" turns its
# outcome into a skip with that reason.
parse_log() {
  awk '
    function record(name, res) {
      sub(/[ \t\r]+$/, "", res)
      if (res ~ /^ok/) outcome[name] = "ok"
      else if (res ~ /^FAILED/) outcome[name] = "FAILED"
      else if (res ~ /^ignored/) outcome[name] = "ignored"
      else return 0
      if (!(name in order)) { order[name] = ++n; names[n] = name }
      return 1
    }
    # Another thread writing to stderr while a test runs can split or join
    # its result line: the text can be glued to its "ok", the result line
    # can be glued after that text, or the text can sit between the name
    # and the "ok", which then starts a line of its own. So the result is
    # found anywhere in a line, and a name without one waits for the next
    # line that starts with an outcome.
    match($0, /test [^ \t]+ \.\.\. /) {
      line = substr($0, RSTART + 5)
      i = index(line, " ... ")
      name = substr(line, 1, i - 1)
      res = substr(line, i + 5)
      pending = ""
      if (!record(name, res)) pending = name
      next
    }
    pending != "" && /^(ok|FAILED|ignored)/ {
      record(pending, $0)
      pending = ""
      next
    }
    /^---- .* (stdout|stderr) ----$/ {
      cur = $0
      sub(/^---- /, "", cur)
      sub(/ (stdout|stderr) ----$/, "", cur)
      next
    }
    /^(successes|failures):$/ { cur = ""; next }
    cur != "" && tolower($0) ~ /^[ \t]*skip/ {
      if (!(cur in reason)) { r = $0; sub(/^[ \t]+/, "", r); gsub(/\t/, " ", r); reason[cur] = r }
    }
    END {
      for (k = 1; k <= n; k++) {
        name = names[k]
        o = outcome[name]
        if (o == "ok" && (name in reason)) print name "\tskip\t" reason[name]
        else print name "\t" o
      }
    }
  ' "$1"
}

# Tests that libtest warned about: "test NAME has been running for over 60 seconds".
warned_tests() {
  sed -n 's/^test \(.*\) has been running for over [0-9]* seconds$/\1/p' "$1" | sort -u
}

safe() { printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '_'; }

run_tour() {
  local label=$1 cwd=$2 exe=$3 log start rc secs
  log="$out/logs/$(safe "$label").1.log"
  start=$(date +%s)
  (cd "$cwd" && timeout -k 10 "$deadline" "$exe") >"$log" 2>&1
  rc=$?
  secs=$(($(date +%s) - start))
  local outcome=ok passed=1 failed=0 hung=0
  if [[ $rc == 124 || $rc == 137 ]]; then outcome=hung passed=0 hung=1
  elif [[ $rc != 0 ]]; then outcome=FAILED passed=0 failed=1; fi
  printf '%s\t%s\t1\t%s\t0\t%s\t%s\t0\t%s\n' "$label" "$rc" "$passed" "$failed" "$hung" "$secs" >>"$out/binaries.tsv"
  printf '%s\t%s\t%s\n' "$label" "tour" "$outcome" >>"$out/tests.tsv"
  printf '  %-44s %s (%ss)\n' "$label" "$outcome" "$secs"
}

run_binary() {
  local label=$1 cwd=$2 exe=$3
  local base all hung_file results start rc secs run log
  base="$out/logs/$(safe "$label")"
  all=$(mktemp) hung_file=$(mktemp) results=$(mktemp)
  (cd "$cwd" && timeout 120 "$exe" --list --format terse 2>/dev/null) |
    sed -n 's/: test$//p' | sort -u >"$all"
  start=$(date +%s)
  run=0
  while :; do
    run=$((run + 1))
    log="$base.$run.log"
    local args=(--show-output "${threads[@]}")
    if [[ -s $hung_file ]]; then
      args+=(--exact)
      while IFS= read -r t; do args+=(--skip "$t"); done <"$hung_file"
    fi
    (cd "$cwd" && CARGO_MANIFEST_DIR="$cwd" RUST_BACKTRACE=1 \
      timeout -k 10 "$deadline" "$exe" "${args[@]}") >"$log" 2>&1
    rc=$?
    parse_log "$log" >"$results"
    if [[ $rc != 124 && $rc != 137 ]]; then break; fi
    # Past the deadline: record the tests that hung and run again without them.
    local finished new
    finished=$(cut -f1 "$results" | sort -u)
    new=$(comm -23 <(warned_tests "$log") <(printf '%s\n' "$finished" | sed '/^$/d'))
    if [[ -z $new ]]; then
      new=$(comm -23 "$all" <(printf '%s\n' "$finished" | sed '/^$/d') | comm -23 - "$hung_file")
    fi
    if [[ -z $new || $run -ge 4 ]]; then
      printf '%s\n' "$new" | sed '/^$/d' >>"$hung_file"
      sort -u -o "$hung_file" "$hung_file"
      break
    fi
    printf '%s\n' "$new" >>"$hung_file"
    sort -u -o "$hung_file" "$hung_file"
  done
  secs=$(($(date +%s) - start))

  # Tests that never reported a result and are not known hangs: the binary
  # died under them (a crash or an abort) or ran out of runs.
  local missing
  missing=$(comm -23 "$all" <(cut -f1 "$results" | sort -u) | comm -23 - "$hung_file")
  {
    awk -F'\t' -v l="$label" '{ print l "\t" $0 }' "$results"
    sed "s/^/$(printf '%s' "$label" | sed 's/[\/&]/\\&/g')\t/; s/\$/\thung/" "$hung_file"
    if [[ -n $missing ]]; then
      printf '%s\n' "$missing" | sed "s/^/$(printf '%s' "$label" | sed 's/[\/&]/\\&/g')\t/; s/\$/\tFAILED\tno result: the binary exited with status $rc/"
    fi
  } >>"$out/tests.tsv"

  local passed skipped failed hung ignored
  passed=$(awk -F'\t' -v l="$label" '$1 == l && $3 == "ok"' "$out/tests.tsv" | wc -l)
  skipped=$(awk -F'\t' -v l="$label" '$1 == l && $3 == "skip"' "$out/tests.tsv" | wc -l)
  failed=$(awk -F'\t' -v l="$label" '$1 == l && $3 == "FAILED"' "$out/tests.tsv" | wc -l)
  hung=$(awk -F'\t' -v l="$label" '$1 == l && $3 == "hung"' "$out/tests.tsv" | wc -l)
  ignored=$(awk -F'\t' -v l="$label" '$1 == l && $3 == "ignored"' "$out/tests.tsv" | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rc" "$run" "$passed" "$skipped" \
    "$failed" "$hung" "$ignored" "$secs" >>"$out/binaries.tsv"
  printf '  %-44s %4s passed %3s skipped %3s failed %2s hung (%ss, %s run%s)\n' "$label" \
    "$passed" "$skipped" "$failed" "$hung" "$secs" "$run" "$([[ $run == 1 ]] || echo s)"
  rm -f "$all" "$hung_file" "$results"
}

echo "kernel $(uname -r): running the test binaries (deadline ${deadline}s each)"
while IFS=$'\t' read -r label cwd exe; do
  [[ -z $label ]] && continue
  if [[ $label == example:tour ]]; then
    run_tour "$label" "$cwd" "$exe"
  else
    run_binary "$label" "$cwd" "$exe"
  fi
done <"$list"
echo "kernel $(uname -r): done"
touch "$out/done"
