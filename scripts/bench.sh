#!/usr/bin/env bash
# Runs every benchmark in benchmarks/ (or those named) and prints their figures.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
status=0
benches=("$@"); [ ${#benches[@]} -gt 0 ] || benches=(benchmarks/bench_*.py)
for bench in "${benches[@]}"; do
  echo "== $bench"
  .venv/bin/python "$bench" || status=1
done
exit $status
