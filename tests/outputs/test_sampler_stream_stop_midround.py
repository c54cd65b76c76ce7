"""The sampler's stream keeper whose stream a stop takes away mid-round: the stop's wait for its thread ran out (a
slow round), and the stop closed the stream after the keeper had read it, before it asked whether it still plays.

Closed, the stream reads as inactive: the keeper said "the audio stream stopped; re-opening it" on the console, a
false notice at the end of a show, and opened a stream only to close it. Real JACK dummy server; the stop is run
from inside the keeper's round, where the keeper asks whether the stream's JACK client died (read, not yet asked
whether it plays)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch.nodes.sampler import stream as stream_module
from exsampling_patch.nodes.sampler.core import SamplerCore
from exsampling_patch.nodes.sampler.stream import AudioOutput


@pytest.mark.jack
def test_a_stop_taking_the_stream_mid_round_is_not_told_as_a_stopped_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    errors: list[str] = []
    output = AudioOutput(SamplerCore(2, 48000), report_error=errors.append)
    real_died = stream_module.jack_client_died
    armed, stopped = threading.Event(), threading.Event()

    def stopped_meanwhile(stream: Any) -> bool:
        if armed.is_set() and not stopped.is_set():
            stopper = threading.Thread(target=output.stop)  # its wait for this thread spent at once
            stopper.start()
            stopper.join(30)
            stopped.set()
        return bool(real_died(stream))

    monkeypatch.setattr(stream_module, "jack_client_died", stopped_meanwhile)
    monkeypatch.setattr(stream_module, "STOP_WAIT_SECONDS", 0.0)
    output.start()
    try:
        assert output.opened.wait(30), errors
        armed.set()
        assert stopped.wait(30), errors
        assert output._thread is not None
        output._thread.join(30)
        assert not output._thread.is_alive()
        assert errors == [], errors  # before: ["the audio stream stopped; re-opening it"]
        assert output.stream is None
    finally:
        output.stop()
