"""A MIDI port kept by name under JACK while no JACK server answers (one of the test's own, stopped and started again:
:mod:`tests.jack_server`): each look for it cost jack_lsp's 3 runs (jack_cli asks again) and a JACK client of
rtmidi's, every poll, for as long as the server was down. The keeper now looks less and less often (each wait
doubled, up to DOWN_POLL_MOST), and at every poll again once the server answers.

Run by tests/outputs/test_midi_jack_link.py in a pytest process of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable

import pytest

from exsampling_patch.midi_ports import DOWN_POLL_MOST, PortKeeper
from tests.jack_server import start_server, stop_server
from tests.outputs.helpers import RecordedWaits

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")

POLL = 0.05


def wait_for(condition: Callable[[], object], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


def test_a_keeper_looks_less_often_while_jack_is_down_and_at_every_poll_once_it_is_back(
        private_jack: subprocess.Popen[bytes]) -> None:
    stop_server(private_jack)
    errors: list[str] = []
    keeper = PortKeeper("input", port="nowhere", client_name="exs-down", api="UNIX_JACK", poll_seconds=POLL,
                        report_error=errors.append)
    recorded = RecordedWaits()
    keeper._stop = recorded
    again = None
    keeper.start()
    try:
        assert wait_for(lambda: len(recorded.waits) >= 8), recorded.waits
        down = recorded.waits[:8]
        again = start_server(os.environ["JACK_DEFAULT_SERVER"])
        looked = len(recorded.waits)
        assert wait_for(lambda: recorded.waits[looked + 1:] and recorded.waits[-1] == POLL), recorded.waits
    finally:
        keeper.stop()
        if again is not None:
            stop_server(again)
    assert down == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, DOWN_POLL_MOST, DOWN_POLL_MOST], recorded.waits
    assert errors and "no JACK server answers" in errors[0], errors  # rtmidi's list, as before
