# Sourced by services.sh (and tests/core/test_services.py): unless DISPLAY is set, starts a virtual display
# (Xvfb) and exports DISPLAY; its pid goes into _started_pids, for the caller to stop.
# Xvfb picks the display number itself (-displayfd: the first one no server holds, written once it accepts
# connections). Picked at random among :90-:98, two test runs at once (several engineers on one machine) shared
# one: the second Xvfb failed to start, and the first run's exit took the display from under the second.
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
  _display_file=$(mktemp)
  Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$_display_file" >/tmp/exsampling-xvfb.log 2>&1 &
  _started_pids+=($!)
  for _ in $(seq 100); do [ -s "$_display_file" ] && break; sleep 0.1; done
  if [ -s "$_display_file" ]; then
    export DISPLAY=":$(head -n 1 "$_display_file")"
  else
    echo "warning: Xvfb did not start; display tests will skip" >&2
  fi
  rm -f "$_display_file"
fi
