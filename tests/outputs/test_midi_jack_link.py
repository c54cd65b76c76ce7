"""Runs :mod:`tests.outputs.midi_jack_link_cases` (MIDI ports linked under JACK, on a server of the test's own) in a
pytest process of its own.

Why: run in a test worker that had opened JACK clients before, those cases' python-rtmidi clients crashed the worker
in a JACK thread (a segfault, three times in whole-suite runs, never alone); the product opens its MIDI clients in
the runtime's process and its audio clients in child processes, so a fresh process is what it meets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def test_midi_ports_linked_under_jack_in_a_process_of_their_own() -> None:
    # not an xdist worker: no services of its own (tests/worker_services.py); the worker's display and JACK server
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                           "tests/outputs/midi_jack_link_cases.py"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " skipped" not in done.stdout, done.stdout[-2000:]
