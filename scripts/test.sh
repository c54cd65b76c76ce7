#!/usr/bin/env bash
# Runs the test suite with a virtual display and a JACK dummy server. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
# --durations: the slowest tests in every log, so that the suite's time is watched where it grows.
# -n: the tests of a file run in one of TEST_WORKERS processes (pytest-xdist), each with a display and a JACK server
# of its own (tests/worker_services.py): most tests wait on servers, browsers and child processes, so two workers
# on CI's two cores nearly halve the run. `make test ARGS="-n 0"` runs them in one process.
# --max-worker-restart 0: a worker that crashes (a segfault in a native library) fails the run at once, naming the
# test it ran; replaced, under --dist loadfile, xdist 3.8 could wait for ever with every worker idle.
log=$(mktemp "${TMPDIR:-/tmp}/exsampling-tests.XXXXXX")
.venv/bin/python -m pytest -q -ra --durations=25 -n "${TEST_WORKERS:-2}" --dist loadfile --max-worker-restart 0 "$@" \
    2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# A crashed worker's dump (every thread, then 160 extension modules) buries the thread that crashed far above a
# log's last lines, where CI's summary reads: it is said again here, last.
.venv/bin/python scripts/crash_report.py "$log"
rm -f "$log"
# pytest's 5 means "no test collected": that is a failure here, not a pass.
exit "$status"
