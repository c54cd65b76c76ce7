#!/usr/bin/env bash
# Runs the test suite with a virtual display and a JACK dummy server. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
.venv/bin/python -m pytest -q -ra "$@"
status=$?
# pytest's 5 means "no test collected": that is a failure here, not a pass.
exit $status
