"""A web recorder a live edit rebuilds on another take folder while a take it passed on is still in flight (a sink
still handling it): the take's end, told to the new node, was written down as done in the new folder's journal; in
the old folder the take stayed not done, and was passed on again (through the patch twice) when that folder was next
used. It is written down in the folder it is stored in, as the folder source's end is (test_folder_rebuilt). A real
HTTPS recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, rec_of, registry, sine
from .test_recorder_rebuilt_in_flight import HoldFirst, recorder_patch


def test_the_end_of_a_take_passed_on_before_an_edit_changed_the_folder_is_written_down_there(tmp_path: Path) -> None:
    reg = registry()
    reg.register(HoldFirst, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(recorder_patch(tmp_path))
    hold = engine.node("hold")
    assert isinstance(hold, HoldFirst)
    phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
    try:
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="folder-changed")
        assert status == 201, reply
        assert hold.holding.wait(20)
        old = rec_of(engine)
        assert engine.update(recorder_patch(tmp_path, folder=str(tmp_path / "other"))) is not None
        assert rec_of(engine) is not old
        hold.release.set()
        assert engine.wait_idle(10, settle=0.3)
        errors = dict(engine.errors)
    finally:
        hold.release.set()
        engine.stop()
    assert hold.got == [reply["take_id"]]
    assert errors == {}
    # done where it is stored: not passed on again when this folder is next used
    assert [data["take_id"] for _, data in TakeStore(tmp_path / "takes").unfinished()] == []
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
    assert TakeStore(tmp_path / "other").processed_ids() == set()
