"""A take in flight that ends as a live edit rebuilds the web recorder, ended by the runtime (out of its ledger: no
longer in flight) but not yet told to the recorder (its observers are told first): the rebuilt node's start found it
stored, not done and not in flight, and passed it on again: through the patch twice. A take passed on in this run is
not passed on again until its end is written down (nodes/passed_takes.py). A real HTTPS recorder in an engine, the
edit made with engine.update while an observer of the take's end holds the runtime between the two."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import TakeEnded
from exsampling_patch.takes import TakeStore

from .conftest import Client, rec_of, registry, sine
from .test_recorder_rebuilt_in_flight import HoldFirst, recorder_patch


class HeldEnd:
    """An observer of takes' ends that holds the first one (the runtime between ending it and telling its source)
    until :attr:`go` is set."""

    def __init__(self) -> None:
        self.ending, self.go = threading.Event(), threading.Event()

    def __call__(self, event: Any) -> None:
        if isinstance(event, TakeEnded) and not self.ending.is_set():
            self.ending.set()
            self.go.wait(30)


def test_a_take_ended_but_not_yet_told_as_the_recorder_is_rebuilt_goes_through_once(tmp_path: Path) -> None:
    reg = registry()
    reg.register(HoldFirst, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    held = HeldEnd()
    engine.events.subscribe(held, TakeEnded)
    engine.start(recorder_patch(tmp_path))
    hold = engine.node("hold")
    assert isinstance(hold, HoldFirst)
    phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
    try:
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="ended-untold")
        assert status == 201, reply
        assert hold.holding.wait(20)
        hold.release.set()
        assert held.ending.wait(20)  # ended, its source not told yet
        assert engine.update(recorder_patch(tmp_path, warn_free_mb=1)) is not None  # another setting: rebuilt
        held.go.set()
        phone.port = rec_of(engine).server.port
        assert engine.wait_idle(10, settle=0.3)
        errors = dict(engine.errors)
    finally:
        held.go.set()
        hold.release.set()
        engine.stop()
    assert hold.got == [reply["take_id"]]  # once, not again as the last run's
    assert errors == {}
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
