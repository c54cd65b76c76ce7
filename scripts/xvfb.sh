# Sourced by services.sh (and tests/core/test_services.py): unless DISPLAY names a display an X server answers on,
# starts a virtual display (Xvfb) and exports DISPLAY; its pid goes into _started_pids, for the caller to stop.
# A DISPLAY no server answers on (one left from a session whose server is gone) is said on stderr and replaced:
# trusted, it failed every editor test, each far from the cause. Asked with xdpyinfo (x11-utils), else xdotool
# (scripts/bootstrap.sh installs it for the tests); with neither, a DISPLAY set is trusted.
# Xvfb picks the display number itself (-displayfd: the first one no server holds, written once it accepts
# connections). Picked at random among :90-:98, two test runs at once (several engineers on one machine) shared
# one: the second Xvfb failed to start, and the first run's exit took the display from under the second.
# Each Xvfb logs to a file of its own, named by its display once it has one (/tmp/exsampling-xvfb-N.log): one log
# shared by every run was overwritten by the next, and why an Xvfb did not start was lost. One that does not start
# keeps the log it started with, named in the warning.
_display_probe() {
  if command -v xdpyinfo >/dev/null; then
    timeout 5 xdpyinfo >/dev/null 2>&1
  elif command -v xdotool >/dev/null; then
    timeout 5 xdotool getdisplaygeometry >/dev/null 2>&1
  fi
}
# Asked up to three times: one probe failed about 1 in 60 where two shells probed one display at once, and a
# working display was then replaced by an Xvfb of the shell's own. A dead display refuses at once (three tries
# cost well under a second); a probe cut off at 5 s is a server that hangs, not asked again.
_display_answers() {
  local _try _status
  for _try in 1 2 3; do
    _display_probe && return 0
    _status=$?
    [ "$_status" -eq 124 ] && return 1
    [ "$_try" -lt 3 ] && sleep 0.2
  done
  return 1
}
if [ -n "${DISPLAY:-}" ] && ! _display_answers; then
  _instead="starting an Xvfb of this run's own"
  command -v Xvfb >/dev/null || _instead="no Xvfb to start one: display tests will skip"
  echo "warning: no X server answers on DISPLAY=$DISPLAY; $_instead" >&2
  unset DISPLAY _instead
fi
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
  _display_file=$(mktemp)
  _xvfb_log=$(mktemp /tmp/exsampling-xvfb-starting.XXXXXX.log)
  # It ends (SIGTERM) with the shell that started it, as the caller's trap would end it: a shell killed (SIGKILL)
  # runs no trap, and its Xvfb ran on for good. setpriv execs Xvfb: $! is Xvfb's pid. As jack.sh starts jackd.
  _xvfb_with_parent=()
  command -v setpriv >/dev/null && _xvfb_with_parent=(setpriv --pdeathsig TERM)
  "${_xvfb_with_parent[@]}" Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$_display_file" \
    >"$_xvfb_log" 2>&1 &
  _xvfb_pid=$!
  _started_pids+=("$_xvfb_pid")
  # Up to 30 s: a loaded machine's Xvfb took more than 10. Not past its end: an Xvfb that exited writes no display.
  for _ in $(seq 300); do
    [ -s "$_display_file" ] && break
    kill -0 "$_xvfb_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -s "$_display_file" ]; then
    _display=$(head -n 1 "$_display_file")
    export DISPLAY=":$_display"
    # Renamed, not copied: Xvfb writes on to the same file. An older log of this display is of a server now gone.
    mv -f "$_xvfb_log" "/tmp/exsampling-xvfb-$_display.log"
  else
    echo "warning: Xvfb did not start (its log: $_xvfb_log); display tests will skip" >&2
  fi
  rm -f "$_display_file"
  unset _display _xvfb_log _xvfb_pid _xvfb_with_parent
fi
unset -f _display_answers _display_probe
