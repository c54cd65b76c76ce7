# Sourced by test.sh and bench.sh: starts a virtual display (Xvfb) and a JACK server with the dummy
# driver (no sound card needed), exports DISPLAY, and stops both on exit. JACK must run before any
# process imports sounddevice: PortAudio looks for audio hosts only once.
export JACK_NO_AUDIO_RESERVATION=1
# 512 frames (10.7 ms): on this project's 2-core virtual machine the host stalls both CPUs for 2-10 ms now and
# then, longer than a 256-frame period; see docs/sampler.md ("Block size"). On a machine steady enough to hold
# 256 frames (5.3 ms), JACK_PERIOD=256 halves the latency.
export JACK_RATE=${JACK_RATE:-48000} JACK_PERIOD=${JACK_PERIOD:-512}
_started_pids=()
_stop_services() { for pid in "${_started_pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap _stop_services EXIT

source "$(dirname "${BASH_SOURCE[0]}")/xvfb.sh"

if command -v jackd >/dev/null && ! jack_lsp >/dev/null 2>&1; then
  # Realtime scheduling, as on a performer's machine (jackd's default): JACK then runs each client's process
  # thread, the sampler's audio callback among them, at a realtime priority, ahead of busy workers. Where
  # the machine refuses realtime scheduling, jackd says so in its log and runs without it.
  jackd -R -P 70 -d dummy -r "$JACK_RATE" -p "$JACK_PERIOD" >/tmp/exsampling-jackd.log 2>&1 &
  _started_pids+=($!)
  timeout 10 jack_wait -w >/dev/null 2>&1 || echo "warning: jackd did not start; JACK tests will skip" >&2
fi
