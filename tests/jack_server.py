"""A JACK dummy server of a test's own, for tests that stop it (the shared one must not be stopped: every other
client of it would lose it too). It is stopped as its owner would, with SIGTERM: one killed (SIGKILL) keeps its
entry in JACK's registry of servers, which holds 8.

Its name comes from a small pool, reused, as scripts/jack.sh's do: a server left in the registry by a run that was
killed (pytest and its jackd with it) is taken back by the next server of that name; names used once each
(``exs-gone-<pid>-<n>``, as before) filled the registry for good. scripts/jack.sh's runs take up to 6 of the 8
entries: this pool has the other 2. Each name is claimed with a lock held while the test uses it, and by its jackd,
which inherits it: a run's jackd that outlives its killed pytest keeps its name from the next run.

A jackd started here ends with the pytest that started it (SIGTERM, as its owner stops it: its registry entry goes
too), through ``setpriv --pdeathsig``: before, a pytest killed mid-test (SIGKILL, a timeout) left its private server
running for good, holding a name of the pool and an entry of the registry. The signal comes when the *thread* that
started jackd ends: start it from the thread that holds it (a test's, pytest's main thread), never a helper's.

While a private server runs, the test process's PortAudio (a test that imported sounddevice: its JACK host holds an
active client with a process callback on the shared server) is terminated, and initialised again once the server is
gone: see :func:`portaudio_set_aside`."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.jack_tools import jack_command

NAMES = ("exsampling-private-1", "exsampling-private-2")
CLAIM_SECONDS = 120.0  # each other run holds a name for one test's time (seconds); a third run waits for one

_locks: dict[str, int] = {}  # a name this process claimed: the descriptor of its lock file


def lock_path(name: str) -> Path:
    return Path(f"/tmp/{name}.lock")


def answers(name: str) -> bool:
    """Whether a server called ``name`` answers (one started by hand holds no lock)."""
    checked = subprocess.run(["jack_wait", "-c", "-s", name], capture_output=True, text=True, timeout=10)
    return checked.stdout.strip() == "running"


def claim_name(names: Sequence[str] = NAMES) -> str:
    """The first of ``names`` that no other run holds, claimed (:func:`release_name` gives it back); waits for
    one."""
    deadline = time.monotonic() + CLAIM_SECONDS
    while True:
        for name in names:
            lock = os.open(lock_path(name), os.O_WRONLY | os.O_CREAT, 0o666)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(lock)
                continue
            if answers(name):
                os.close(lock)
                continue
            _locks[name] = lock
            # A client whose server was killed leaves its semaphore files behind: with the name reused, ours.
            for semaphore in Path("/dev/shm").glob(f"jack_sem.*_{name}_*"):
                semaphore.unlink(missing_ok=True)
            return name
        if time.monotonic() > deadline:
            pytest.fail(f"no JACK server name free in {CLAIM_SECONDS:.0f} s: {', '.join(names)} held by other "
                        f"runs (see {lock_path(names[0])})")
        time.sleep(0.5)


def release_name(name: str) -> None:
    os.close(_locks.pop(name))


def with_parent() -> list[str]:
    """The command prefix that has a program end (SIGTERM) when the thread that started it does: setpriv execs the
    program, which keeps its pid (``Popen.pid`` is jackd's). None where setpriv is missing (not util-linux)."""
    return ["setpriv", "--pdeathsig", "TERM"] if shutil.which("setpriv") else []


def start_server(name: str) -> subprocess.Popen[bytes]:
    """Start the dummy server ``name`` (again, after it was stopped: a restart) and wait until it answers."""
    held = (_locks[name],) if name in _locks else ()  # its jackd holds the claim too
    jackd = subprocess.Popen([*with_parent(), "jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000",
                              "-p", "512"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=held)
    try:
        # Asked every 20 ms (jack_wait -c): `jack_wait -w` tries once a second, and a server answers in 0.2 s, so
        # each start waited 0.8 s more than it took (a second of setup for every test with a private server).
        deadline = time.monotonic() + 10.0
        while not answers(name):
            assert jackd.poll() is None, f"jackd {name} ended at start: {jackd.returncode}"
            assert time.monotonic() < deadline, f"jackd {name} did not answer in 10 s"
            time.sleep(0.02)
    except BaseException:
        stop_server(jackd)
        raise
    return jackd


def stop_server(jackd: subprocess.Popen[bytes]) -> None:
    jackd.terminate()
    try:
        jackd.wait(10)
    except subprocess.TimeoutExpired:
        jackd.kill()
        jackd.wait()


def wait_client_gone(client: str, timeout: float = 10.0, each: float = 2.0) -> bool:
    """Waits until the default server (``JACK_DEFAULT_SERVER``) lists no port of ``client``; whether it did in
    ``timeout`` seconds. For a client whose process ended while the server was stopped (SIGSTOP): once continued,
    the server lets it go, waiting for its next cycle. A SIGTERM meanwhile stops the driver that cycle needs: jackd
    then waited out its client timeout 10 times, then twice (5 s, then 1 s, at its 500 ms) before it ended.

    Best effort, as its callers use it (unasserted): a ``jack_lsp`` that takes over ``each`` seconds (a server still
    busy, a loaded host) is asked again until the deadline. Its ``TimeoutExpired`` failed the test it served."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            listing = jack_command("jack_lsp", timeout=min(each, left)).stdout
        except subprocess.TimeoutExpired:
            continue
        if not any(line.startswith(f"{client}:") for line in listing.splitlines()):
            return True
        time.sleep(0.02)


@contextlib.contextmanager
def portaudio_set_aside() -> Iterator[None]:
    """Terminate this process's PortAudio, if a test initialised it (imported sounddevice), for the time of the
    block, and initialise it again after it (on the server named by ``JACK_DEFAULT_SERVER`` then).

    Why: PortAudio's JACK host keeps a JACK client active, with a process callback, from its initialisation to its
    termination. libjack (jack2 1.9.21) does not take one process's clients on two servers: once a client of this
    process has opened on a second server (a probe, a test's watcher, rtmidi's port) its first client's process
    thread dies of SIGSEGV, when the second server stops or at Pa_Terminate. pytest died so in
    tests/core/test_jack_probe.py after tests/intake/test_microphone.py, whose loop plays through this process's
    PortAudio. The patch's processes never do this: each talks to the one server its environment names."""
    sd = sys.modules.get("sounddevice")
    if sd is None:
        yield
        return
    initialised = int(sd._initialized)
    for _ in range(initialised):
        sd._terminate()  # closes its JACK client cleanly: the shared server runs
    try:
        yield
    finally:
        for _ in range(initialised):
            sd._initialize()


def private_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[bytes]]:
    """Start the server (the default one for processes started from now on), yield its process, stop it. This
    process's PortAudio is set aside meanwhile (:func:`portaudio_set_aside`)."""
    shared = os.environ.get("JACK_DEFAULT_SERVER")
    name = claim_name()
    try:
        with portaudio_set_aside():
            try:
                monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
                monkeypatch.setenv("JACK_NO_AUDIO_RESERVATION", "1")
                jackd = start_server(name)
                try:
                    yield jackd
                finally:
                    stop_server(jackd)
                    # A client whose server went away cannot close: libjack leaves its semaphore file behind, one
                    # per test.
                    for semaphore in Path("/dev/shm").glob(f"jack_sem.*_{name}_*"):
                        semaphore.unlink(missing_ok=True)
            finally:
                # PortAudio starts again on the shared server (monkeypatch puts the same value back later)
                if shared is None:
                    os.environ.pop("JACK_DEFAULT_SERVER", None)
                else:
                    os.environ["JACK_DEFAULT_SERVER"] = shared
    finally:
        release_name(name)
