#!/usr/bin/env bash
# Proof of power: plants each known bug class in a scratch copy of the
# workspace and shows which suite catches it (see scripts/planted_bugs.py).
# Takes about 15-25 minutes on 2 cores (each plant rebuilds ring-core).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/planted_bugs.py "$@"
