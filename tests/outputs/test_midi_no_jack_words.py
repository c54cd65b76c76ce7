"""A MIDI port kept under JACK while no JACK server runs (a machine with no sound card, JACK not started yet): the
sampler's error read "MIDI input: MidiInJack::initialize: JACK server not running?", rtmidi's own words, which say
neither what is missing for whom nor that the port opens by itself once a server answers."""

from __future__ import annotations

import os
import time

import pytest

from exsampling_patch.midi_ports import PortKeeper


@pytest.mark.parametrize("direction", ["input", "output"])
def test_a_port_kept_with_no_jack_server_says_so_in_words(direction: str, monkeypatch: pytest.MonkeyPatch) -> None:
    server = f"exs-no-server-{os.getpid()}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", server)
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    errors: list[str] = []
    keeper = PortKeeper(direction, virtual="exs words", client_name="exs-words", api="UNIX_JACK",
                        poll_seconds=0.05, report_error=errors.append)
    keeper.start()
    try:
        deadline = time.monotonic() + 20.0
        while not errors and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        keeper.stop()
    assert errors == [f"MIDI {direction}: no JACK server answers as '{server}' (the server JACK_DEFAULT_SERVER "
                      "names), and the MIDI ports here are JACK's: the port opens once it does"], errors
