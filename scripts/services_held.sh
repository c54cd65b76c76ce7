#!/usr/bin/env bash
# Started by tests/worker_services.py for each pytest-xdist worker but the first: a virtual display and a JACK
# server of the worker's own (services.sh, as a run of its own gets them), named on standard output, then held
# until standard input closes: the worker ended, however it ended (its pipe closes with it), and the EXIT trap
# stops both. Why not share the run's: two workers' editor tests at once fought over one display's keyboard focus,
# and their JACK clients of one name were renamed by the shared server.
set -uo pipefail
unset DISPLAY JACK_DEFAULT_SERVER JACK_LOG
# Without one of its own (every name of jack.sh's pool taken by other runs), the worker shares the run's.
export JACK_NONE_MEANS="this test worker shares the run's JACK server, where same-named clients can clash"
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"
echo "DISPLAY=${DISPLAY:-}"
echo "JACK_DEFAULT_SERVER=${JACK_DEFAULT_SERVER:-}"
echo "JACK_LOG=${JACK_LOG:-}"
echo "held"
cat >/dev/null
