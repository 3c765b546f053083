#!/usr/bin/env bash
# Prints the kernel matrix as Markdown from the result directories that
# scripts/kernel-matrix/run-tests.sh wrote: one row per kernel, then for
# each kernel the tests that failed or hung (with the log that holds their
# output) and every skip with the reason the test printed.
#
# Usage: table.sh RESULT_DIR...
set -uo pipefail

count() { awk -F'\t' -v o="$2" '$3 == o' "$1/tests.tsv" | wc -l | tr -d ' '; }

echo "| kernel | programs | tests | passed | skipped | failed | hung | ignored | tour |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for r in "$@"; do
  name=$(basename "$r")
  kernel=$(cat "$r/kernel" 2>/dev/null || echo "?")
  if [[ ! -s $r/tests.tsv ]]; then
    echo "| $name ($kernel) | did not run | | | | | | | |"
    continue
  fi
  programs=$(wc -l <"$r/binaries.tsv" | tr -d ' ')
  tests=$(grep -vc $'\ttour\t' "$r/tests.tsv")
  tour=$(awk -F'\t' '$2 == "tour" { print $3 }' "$r/tests.tsv")
  note=""
  [[ -e $r/done ]] || note=" (run did not finish)"
  printf '| %s (%s)%s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$kernel" "$note" \
    "$programs" "$tests" \
    "$(awk -F'\t' '$3 == "ok" && $2 != "tour"' "$r/tests.tsv" | wc -l | tr -d ' ')" \
    "$(count "$r" skip)" \
    "$(awk -F'\t' '$3 == "FAILED" && $2 != "tour"' "$r/tests.tsv" | wc -l | tr -d ' ')" \
    "$(awk -F'\t' '$3 == "hung" && $2 != "tour"' "$r/tests.tsv" | wc -l | tr -d ' ')" \
    "$(count "$r" ignored)" "${tour:-not run}"
done

for r in "$@"; do
  [[ -s $r/tests.tsv ]] || continue
  name=$(basename "$r")
  echo
  echo "### $name ($(cat "$r/kernel"))"
  for o in FAILED hung; do
    n=$(awk -F'\t' -v o="$o" '$3 == o' "$r/tests.tsv" | wc -l)
    [[ $n == 0 ]] && continue
    echo
    echo "$( [[ $o == FAILED ]] && echo Failed || echo Hung) ($n):"
    echo
    awk -F'\t' -v o="$o" '$3 == o {
      r = ($4 != "") ? " (" $4 ")" : ""
      print "- `" $1 "` " $2 r
    }' "$r/tests.tsv"
  done
  n=$(count "$r" skip)
  if [[ $n != 0 ]]; then
    echo
    echo "Skipped, in whole or in part, with the reason printed ($n):"
    echo
    awk -F'\t' '$3 == "skip" { print "- `" $1 "` " $2 ": " $4 }' "$r/tests.tsv"
  fi
done
