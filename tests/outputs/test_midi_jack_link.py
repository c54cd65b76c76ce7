"""Runs the cases whose python-rtmidi clients meet a JACK server of the test's own (:mod:`tests.jack_server`):
MIDI ports linked under JACK (:mod:`tests.outputs.midi_jack_link_cases`) and a port kept while that server is down
(:mod:`tests.outputs.midi_jack_down_backoff_cases`), in a pytest process of their own: one for both, as each case
file's tests already share theirs, each test with a server of its own (a second process cost the suite another
pytest start, 2-3 s on a loaded machine).

Why: libjack (jack2) keeps one set of shared-memory and synchronisation globals a process, which the clients of a
second server overwrite (jack2 issue 154, "Bug when talking to multiple servers"; its fix, pull request 547, was never
merged). A test worker holds clients of its own server all along (PortAudio's, opened by sounddevice), so rtmidi's
clients of a private server crashed it in a JACK thread (a segfault, three times in whole-suite runs, never alone).
The product opens its MIDI clients in the runtime's process and its audio clients in child processes, all of one
server: a fresh process is what it meets."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


CASES = ("midi_jack_link_cases.py", "midi_jack_down_backoff_cases.py")


def test_midi_ports_under_a_private_jack_server_in_a_process_of_their_own() -> None:
    # The worker's display and JACK server: its inherited name is dropped by the run's own start, no worker
    # (tests/worker_services.py's forget_inherited_name), so it starts no services of its own.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:xdist", "-p", "no:cacheprovider",
                           *(f"tests/outputs/{cases}" for cases in CASES)], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " skipped" not in done.stdout, done.stdout[-2000:]
    for cases in CASES:  # both files' tests ran (-rA names each test that passed)
        assert f"PASSED tests/outputs/{cases}::" in done.stdout, done.stdout[-2000:]
