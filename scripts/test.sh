#!/usr/bin/env bash
# The whole test suite: the README's second command, and exactly what CI runs.
#
# Stages (each prints a header; the script stops at the first failure):
#   1. formatting and lints (rustfmt, clippy with -D warnings, rustdoc
#      with -D warnings: every intra-doc link resolves), and the doc
#      examples check (scripts/doc_examples.py: every public item a user
#      calls has a runnable example, or is listed as needing none or as
#      work left)
#   2. every crate's tests on the real kernel and the simulated kernel,
#      with system calls through inline assembly (the default); then the
#      tour, the walk through the rings that the book's first chapter
#      reads, with and without --probe
#   3. ring-core with every optional feature (futures-io, futures-core,
#      tokio: the ecosystem's traits on the poll-based I/O, and driving a
#      ring from tokio), its clippy, docs, tests and doctests; the default
#      build's tests above have them all off
#   4. ring-sys and ring-core again with system calls through libc::syscall
#   5. the loom models of the shipped queue code (--cfg ring_loom), bounded
#   6. the benchmarks build (not run): the peers' workspace (benches/peers,
#      its own Cargo.lock) is formatted, linted and built, and the liburing
#      programs are compiled; ring-core's own benchmark binaries were built
#      by stages 1 and 2 (they are in the main workspace). Running them is
#      scripts/bench-compare.sh (docs/benchmarks.md)
#
# Stage 2 includes the smoke run of every fuzz target: each target's body
# runs as a plain test over the seeds checked in under fuzz/seeds/ and a
# few hundred generated inputs (verification/tests/completion_stream.rs,
# sqe_builders.rs, safe_prepare.rs, fuzz_bodies.rs; the scenario target's body is
# prop_driver's), and verification/tests/coverage/ checks that every ring
# access site and ownership transition in ring-core has its row in
# verification/coverage/. libFuzzer itself is not built here (its build
# takes 3 to 10 minutes on 2 shared cores); RING_FUZZ_SMOKE=1 adds a
# five-second libFuzzer run of every target (scripts/fuzz.sh 5) at the end.
#
# Budget: about 10-15 minutes on 2 cores from a cold cache; CI allows 60.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n==== %s ====\n' "$*"; }

# The pinned toolchain (rust-toolchain.toml) names the components it needs;
# rustup installs them on first use. Make sure they are there.
if command -v rustup >/dev/null 2>&1; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi

stage "format"
cargo fmt --all -- --check

stage "planted bugs apply (nothing run: every plant's text is in its file)"
python3 scripts/planted_bugs.py --check

stage "clippy"
# ring-core/clippy.toml refuses core's and std's atomics and fences outside
# ring-core/src/sync.rs (the loom switch), so -D warnings makes it an error.
cargo clippy --workspace --all-targets --locked -- -D warnings

stage "rustdoc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

stage "doc examples (every public item a user calls has one, or is listed with a reason or as work left)"
# scripts/doc_examples_allow.txt: items that need none, each with why;
# scripts/doc_examples_todo.txt: the examples still to write (only shrinks).
python3 scripts/doc_examples.py

stage "tests (inline-asm syscalls)"
cargo test --workspace --locked

stage "the tour runs (docs/io_uring.md reads its output)"
cargo run -q -p ring-core --example tour --locked
cargo run -q -p ring-core --example tour --locked -- --probe >/dev/null

stage "ring-core with every optional feature (futures-io, futures-core, tokio)"
# The default build must not grow: ring-sys and libc only.
deps="$(cargo tree -e normal -p ring-core --locked --prefix none --format '{p}' | awk '{print $1}' | sort -u | tr '\n' ' ')"
if [ "$deps" != "libc ring-core ring-sys " ]; then
  echo "ring-core's default build depends on more than ring-sys and libc: $deps" >&2
  exit 1
fi
# Each feature on its own builds (they share code paths only through the
# crate's own traits).
for feature in futures-io futures-core tokio; do
  cargo check -p ring-core --features "$feature" --locked
done
cargo clippy -p ring-core --all-targets --all-features --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p ring-core --no-deps --all-features --locked
# Every target (the examples' own tests included), then the doctests again:
# the examples of `compat::tokio` and of the tokio guide page run only with
# the `tokio` feature.
cargo test -p ring-core --all-features --all-targets --locked
cargo test -p ring-core --all-features --doc --locked

stage "tests (libc::syscall path)"
cargo test --locked -p ring-sys -p ring-core --features ring-core/libc-syscall

stage "loom models"
LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}" \
RUSTFLAGS="--cfg ring_loom" CARGO_TARGET_DIR=target/loom \
  cargo test --locked -p verification --release --test 'loom_*'

stage "benchmarks build (not run)"
PEERS=benches/peers/Cargo.toml
cargo fmt --manifest-path "$PEERS" --all -- --check
cargo clippy --manifest-path "$PEERS" --workspace --all-targets --locked -- -D warnings
cargo build --manifest-path "$PEERS" --workspace --locked
if [ -f /usr/include/liburing.h ]; then
  mkdir -p target/bench/c
  cc -O2 -Wall -Wextra -Werror -o target/bench/c/liburing_nop benches/c/liburing_nop.c -luring
  cc -O2 -Wall -Wextra -Werror -o target/bench/c/liburing_read benches/c/liburing_read.c -luring
else
  echo "liburing.h is not installed: the liburing programs are not compiled" \
    "(scripts/bench-compare.sh build installs Debian's liburing-dev)"
fi

if [ -n "${RING_FUZZ_SMOKE:-}" ]; then
  stage "libFuzzer smoke run (RING_FUZZ_SMOKE)"
  ./scripts/fuzz.sh 5
fi

stage "all stages passed"
