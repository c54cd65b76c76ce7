#!/usr/bin/env bash
# Runs every benchmark in benchmarks/ (or those named) and prints their figures.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
status=0
benches=("$@"); [ ${#benches[@]} -gt 0 ] || benches=(benchmarks/bench_*.py)
for bench in "${benches[@]}"; do
  args=()
  # The soak's default is a show's length (600 s), which would make `make bench` ten minutes longer: unless
  # named, it runs a minute here, as bench_outputs does, with the same phones and checks.
  [ $# -eq 0 ] && [ "$bench" = benchmarks/bench_soak.py ] && args=(--seconds 60)
  echo "== $bench${args[*]:+ ${args[*]}}"
  .venv/bin/python "$bench" "${args[@]}" || status=1
done
exit $status
