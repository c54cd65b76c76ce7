"""A web recorder a live edit rebuilds with a setting its start fails on (a state folder that cannot be made) while a
take it passed on is in flight: the take's end, told to the new node before its start or after it failed, was kept for
the start to tell, and never was: the take was not written down as done (passed on again at the next run, its phone
never told its end). It is written down in its own folder, and the start's error stays on the node. A real HTTPS
recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, registry, sine
from .test_recorder_rebuilt_end_before_start import EndBeforeStart, recorder_patch
from .test_recorder_rebuilt_in_flight import HoldFirst


@pytest.mark.parametrize("ends", ["before its start", "after its start failed"])
def test_a_take_ending_as_a_rebuilt_recorder_fails_to_start_is_written_down(tmp_path: Path, ends: str) -> None:
    reg = registry()
    reg.register(HoldFirst, "tests")
    reg.register(EndBeforeStart, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(recorder_patch(tmp_path))
    hold = engine.node("hold")
    assert isinstance(hold, HoldFirst)
    phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
    (tmp_path / "a-file").write_text("not a folder")
    told_before_start: list[bool] = []

    def end_the_take(new: WebRecorder) -> None:  # the new node, in its cell, not started
        assert isinstance(new, EndBeforeStart)
        hold.release.set()
        told_before_start.append(new.told.wait(30))

    try:
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="ends-as-start-fails")
        assert status == 201, reply
        assert hold.holding.wait(20)
        EndBeforeStart.at_prepare = end_the_take if ends == "before its start" else None
        try:
            engine.update(recorder_patch(tmp_path, state_folder=str(tmp_path / "a-file" / "state")))
        finally:
            EndBeforeStart.at_prepare = None
        hold.release.set()
        assert engine.wait_idle(10, settle=0.3)
        errors = dict(engine.errors)
    finally:
        hold.release.set()
        engine.stop()
    assert told_before_start == ([True] if ends == "before its start" else [])
    assert hold.got == [reply["take_id"]]
    assert "a-file" in errors.get("rec", ""), errors  # the start's error, on the node
    store = TakeStore(tmp_path / "takes")
    assert reply["take_id"] in store.processed_ids() and not store.unfinished()  # not passed on again next run
