"""tests/jack_server.py's private servers take their names from a small pool: a server a killed run left in JACK's
registry of servers (which holds 8) is taken back by the next run. Before, each server had a name of its own
(``exs-gone-<pid>-<n>``): a run killed with its jackd left an entry that nothing ever reclaimed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.jack_server import NAMES, answers, claim_name, release_name, start_server, stop_server

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")

REPO = Path(__file__).resolve().parents[2]
REGISTRY = Path("/dev/shm/jack-shm-registry")

# A test run holding a private server: it says the server's name and its jackd's pid; the test kills the jackd, then
# the run. The run reaps its jackd first: a zombie's pid passes for a live server's, and its name would stay taken.
KILLED_RUN = """
import time
from tests.jack_server import claim_name, start_server
name = claim_name()
jackd = start_server(name)
print(name, jackd.pid, flush=True)
jackd.wait()
print("reaped", flush=True)
time.sleep(60)
"""

# A test run that starts a private server and is then killed, as a pytest is by a timeout or by hand, mid-test.
STARTED_RUN = """
import time
from tests.jack_server import claim_name, start_server
name = claim_name()
jackd = start_server(name)
print(name, jackd.pid, flush=True)
time.sleep(60)
"""


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie no longer does: whoever adopted it may not reap it at once)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def in_registry(name: str) -> bool:
    return REGISTRY.exists() and name.encode() + b"\0" in REGISTRY.read_bytes().replace(b":", b"\0")


def test_a_server_name_a_killed_run_left_in_jacks_registry_is_taken_back() -> None:
    env = {**os.environ, "JACK_NO_AUDIO_RESERVATION": "1"}
    killed = subprocess.Popen([sys.executable, "-c", KILLED_RUN], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        assert killed.stdout is not None
        name, jackd = killed.stdout.readline().split()
        os.kill(int(jackd), signal.SIGKILL)
        assert killed.stdout.readline() == "reaped\n"
    finally:
        killed.kill()
        killed.wait()
    assert name in NAMES, name
    deadline = time.monotonic() + 10
    while answers(name) and time.monotonic() < deadline:  # its jackd is not our child: no wait for it
        time.sleep(0.05)
    assert not answers(name) and in_registry(name)  # the killed server's entry, left behind

    assert claim_name([name]) == name  # the next run that draws it from the pool (the killed run held it no more)
    try:
        stop_server(start_server(name))  # stopped as its owner would: the entry goes with it
    finally:
        release_name(name)
    assert not in_registry(name)


def test_a_private_server_ends_with_the_run_that_started_it() -> None:
    """Before: a pytest killed mid-test (SIGKILL) left its private jackd running for good, holding a name of the
    pool (the next run waited for the other) and an entry of JACK's registry."""
    env = {**os.environ, "JACK_NO_AUDIO_RESERVATION": "1"}
    killed = subprocess.Popen([sys.executable, "-c", STARTED_RUN], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
    jackd = 0
    try:
        assert killed.stdout is not None
        name, pid = killed.stdout.readline().split()
        jackd = int(pid)
        # Asked until it answers: it answered the run, but a jack_wait on a loaded machine can miss its client
        # timeout (CI's two cores: "not running" from a server that ran).
        deadline = time.monotonic() + 10
        while not answers(name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running(jackd) and answers(name)
    finally:
        killed.kill()
        killed.wait()
    try:
        deadline = time.monotonic() + 10
        while running(jackd) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(jackd), "the killed run's jackd still runs"
    finally:
        if running(jackd):
            os.kill(jackd, signal.SIGTERM)
    assert not answers(name) and not in_registry(name)  # SIGTERM, as its owner stops it: the entry went with it
