"""The sampler's stream keeper stopped while it is opening its stream: the stop gives up waiting for its thread (a
slow open: a busy JACK server), and the stream that thread opens afterwards must not outlive the stop.

It was assigned after the stop's close had found nothing to close, and played on; in the node's process its callback,
freed once the stream was collected, was still called by PortAudio: a crash. Real JACK dummy server; the open is
held back by an event until the stop has returned."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch.devices import through_jack
from exsampling_patch.nodes.sampler import stream as stream_module
from exsampling_patch.nodes.sampler.core import SamplerCore
from exsampling_patch.nodes.sampler.stream import AudioOutput


@pytest.mark.jack
def test_a_stream_opened_after_its_keeper_was_stopped_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import sounddevice as sd

    real_open = sd.OutputStream
    opening, release = threading.Event(), threading.Event()
    opened: list[Any] = []

    def slow_open(*args: Any, **kwargs: Any) -> Any:
        opening.set()
        release.wait(60)
        stream = real_open(*args, **kwargs)
        opened.append(stream)
        return stream

    monkeypatch.setattr(sd, "OutputStream", slow_open)
    monkeypatch.setattr(stream_module, "STOP_WAIT_SECONDS", 0.0)  # the stop's wait spent at once
    errors: list[str] = []
    output = AudioOutput(SamplerCore(2, 48000), report_error=errors.append)
    output.start()
    try:
        assert opening.wait(30), errors
        output.stop()
        assert output._thread is not None and output._thread.is_alive()  # the stop came while the stream opened
        release.set()
        output._thread.join(30)
        assert not output._thread.is_alive()
        assert opened and through_jack(opened[0].device, "output"), errors  # the real open ran, through JACK
        assert output.stream is None, "the stream opened after the stop was kept"
        assert opened[0].closed and not opened[0].active, "the stream opened after the stop plays on"
    finally:
        release.set()
        output.stop()
        for stream in opened:
            stream.close()
