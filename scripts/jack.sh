# Sourced by services.sh (and tests/core/test_services.py): unless JACK_DEFAULT_SERVER names a server that answers
# (one set by hand, or by an outer run), starts a JACK dummy server of this run's own and exports its name as
# JACK_DEFAULT_SERVER, which every JACK client started from here (PortAudio, jack_lsp, jack_connect) connects to, and
# its log as JACK_LOG; its pid goes into _started_pids, for the caller to stop. Wants JACK_RATE and JACK_PERIOD.
# Why a server of its own: runs used to share JACK's default server, started by whichever found none, whose exit
# then stopped it under every other run (several engineers on one machine): their JACK tests lost it mid-run.
# Why a name from a small pool, reused: JACK's registry of servers holds 8, and a server that was killed (SIGKILL)
# keeps its entry until a server of the same name starts; names used once each would fill the registry for good.
# Each name is claimed with a lock held for the run's life (and by its jackd, which inherits it): two runs starting
# at once cannot both pick a name that no server holds yet.
if command -v jackd >/dev/null && ! { [ -n "${JACK_DEFAULT_SERVER:-}" ] && timeout 5 jack_lsp >/dev/null 2>&1; }; then
  unset JACK_DEFAULT_SERVER
  for _jack_n in 1 2 3 4 5 6; do
    _jack_name="exsampling-$_jack_n"
    exec {_jack_lock}>>"/tmp/exsampling-jack-$_jack_n.lock"
    # Taken by another run, or a server of that name answers without its lock (started by hand): the next name.
    if ! flock -n "$_jack_lock" || JACK_DEFAULT_SERVER="$_jack_name" timeout 5 jack_lsp >/dev/null 2>&1; then
      exec {_jack_lock}>&-
      continue
    fi
    # Realtime scheduling, as on a performer's machine (jackd's default): JACK then runs each client's process
    # thread, the sampler's audio callback among them, at a realtime priority, ahead of busy workers. Where
    # the machine refuses realtime scheduling, jackd says so in its log and runs without it.
    _jack_log="/tmp/exsampling-jackd-$_jack_n.log"
    # It ends (SIGTERM) with the shell that started it, as the caller's trap would end it: a shell killed (SIGKILL,
    # or with a pytest that hung) runs no trap, and its jackd ran on for good, holding its name and lock. setpriv
    # execs jackd: $! is jackd's pid.
    _jack_with_parent=()
    command -v setpriv >/dev/null && _jack_with_parent=(setpriv --pdeathsig TERM)
    "${_jack_with_parent[@]}" jackd -n "$_jack_name" -R -P 70 -d dummy -r "$JACK_RATE" -p "$JACK_PERIOD" \
      >"$_jack_log" 2>&1 &
    _jack_pid=$!
    # Until it answers once, or has exited (the registry full: the next name would fail too). Once: a client can
    # fail to open while a client of the same name opens on another server (see tests/conftest.py's jack_running).
    _jack_up=""
    for _ in $(seq 100); do
      JACK_DEFAULT_SERVER="$_jack_name" timeout 5 jack_lsp >/dev/null 2>&1 && { _jack_up=1; break; }
      kill -0 "$_jack_pid" 2>/dev/null || break
      sleep 0.1
    done
    if [ -n "$_jack_up" ] && kill -0 "$_jack_pid" 2>/dev/null; then
      _started_pids+=("$_jack_pid")
      export JACK_DEFAULT_SERVER="$_jack_name" JACK_LOG="$_jack_log"
    else
      kill "$_jack_pid" 2>/dev/null
      wait "$_jack_pid" 2>/dev/null
      exec {_jack_lock}>&-
    fi
    break
  done
  [ -n "${JACK_DEFAULT_SERVER:-}" ] || echo "warning: no JACK server of this run's own started (all of exsampling-1..6 \
taken, or see /tmp/exsampling-jackd-*.log); ${JACK_NONE_MEANS:-JACK tests will skip}" >&2
fi
