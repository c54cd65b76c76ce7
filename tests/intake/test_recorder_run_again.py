"""A patch stopped and started again on the same engine. Its nodes' context was then the same object in both runs
(each run has one of its own now), and the takes a storing source passed on were kept per run by that object alone
(nodes/passed_takes.py), so a take still open at the stop counted as passed on in the next run too: that run's start
did not pass it on again (its take never ended, it stayed not done), and one it did find was not told recovered. A
run is now the context and its run_id. A real HTTPS recorder in an engine, a sink that keeps every take open."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.messages import Take
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, KeepsOpen, registry, sine
from .rebuilt_rig import recorder_settings
from .test_folder_journal import wait_for


def test_a_take_open_at_the_stop_is_passed_on_again_when_the_same_engine_starts_again(tmp_path: Path) -> None:
    reg = registry()
    reg.register(KeepsOpen, "tests")
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", recorder_settings(tmp_path)))
    patch.add_node(NodeSpec("sink", KeepsOpen.type_name, {}))
    patch.connect("rec.take", "sink.take")
    engine = Engine(reg, base_dir=tmp_path)

    def kept() -> list[Take]:
        sink = engine.find_node("sink")
        assert isinstance(sink, KeepsOpen)
        with sink.lock:
            return list(sink.kept)

    engine.start(patch)
    try:
        phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="open-at-stop")
        assert status == 201, reply
        wait_for(lambda: len(kept()) == 1)
        first = kept()[0]
        assert first.take_id == reply["take_id"] and not first.meta.get("recovered")
    finally:
        engine.stop()
    assert first.take_id not in TakeStore(tmp_path / "takes").processed_ids()  # it never ended
    engine.start(patch)  # the same engine: its run_id goes on, its context is this run's own
    try:
        wait_for(lambda: len(kept()) == 1)  # passed on again: its take never ended
        again = kept()[0]
        assert again.take_id == first.take_id and again.meta.get("recovered")  # the last run's
        sink = engine.find_node("sink")
        assert isinstance(sink, KeepsOpen)
        sink.close_take(again)
        wait_for(lambda: first.take_id in TakeStore(tmp_path / "takes").processed_ids())  # its end written down
    finally:
        engine.stop()
    assert engine.errors == {}
