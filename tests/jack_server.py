"""A JACK dummy server of a test's own, for tests that stop it (the shared one must not be stopped: every other
client of it would lose it too). It is stopped as its owner would, with SIGTERM: one killed (SIGKILL) keeps its
entry in JACK's registry of servers, which holds 8."""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

_servers = itertools.count()


def start_server(name: str) -> subprocess.Popen[bytes]:
    """Start the dummy server ``name`` (again, after it was stopped: a restart) and wait until it answers."""
    jackd = subprocess.Popen(["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000", "-p", "512"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        waited = subprocess.run(["jack_wait", "-w", "-s", name, "-t", "10"], capture_output=True, timeout=15)
        assert waited.returncode == 0, waited
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


def private_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[bytes]]:
    """Start the server (the default one for processes started from now on), yield its process, stop it."""
    name = f"exs-gone-{os.getpid()}-{next(_servers)}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
    monkeypatch.setenv("JACK_NO_AUDIO_RESERVATION", "1")
    jackd = start_server(name)
    try:
        yield jackd
    finally:
        stop_server(jackd)
        # A client whose server went away cannot close: libjack leaves its semaphore file behind, one per test.
        for semaphore in Path("/dev/shm").glob(f"jack_sem.*_{name}_*"):
            semaphore.unlink(missing_ok=True)
