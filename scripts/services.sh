# Sourced by test.sh and bench.sh: starts a virtual display (Xvfb) and a JACK server of the run's own with the
# dummy driver (no sound card needed; see jack.sh), exports DISPLAY and JACK_DEFAULT_SERVER, and stops both on exit.
# JACK must run before any process imports sounddevice: PortAudio looks for audio hosts only once.
export JACK_NO_AUDIO_RESERVATION=1
# 512 frames (10.7 ms): on this project's 2-core virtual machine the host stalls both CPUs for 2-10 ms now and
# then, longer than a 256-frame period; see docs/sampler.md ("Block size"). On a machine steady enough to hold
# 256 frames (5.3 ms), JACK_PERIOD=256 halves the latency.
export JACK_RATE=${JACK_RATE:-48000} JACK_PERIOD=${JACK_PERIOD:-512}
_started_pids=()
_stop_services() { for pid in "${_started_pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap _stop_services EXIT

source "$(dirname "${BASH_SOURCE[0]}")/xvfb.sh"

source "$(dirname "${BASH_SOURCE[0]}")/jack.sh"
