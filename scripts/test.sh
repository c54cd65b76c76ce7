#!/usr/bin/env bash
# Runs the test suite with a virtual display and a JACK dummy server. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
# --durations: the slowest tests in every log, so that the suite's time is watched where it grows.
.venv/bin/python -m pytest -q -ra --durations=25 "$@"
status=$?
# pytest's 5 means "no test collected": that is a failure here, not a pass.
exit $status
