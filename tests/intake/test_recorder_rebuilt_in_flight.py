"""A web recorder a live edit rebuilds while a take it passed on is still in flight (a sink still handling it): the
rebuilt node found that take stored and not done, and passed it on again as the last run's, so the same take went
through the patch twice (loaded twice into the sampler or Live), as the folder source did (test_folder_rebuilt). It
passes on again only what a previous run left; the take in flight ends as any, its end on its phone's list and
written down as done. A real HTTPS recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

import threading
from pathlib import Path

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, rec_of, registry, sine


class HoldFirst(Node):
    """A sink that keeps the first take in its handler until it is let go, and counts every take it gets."""

    type_name = "test_hold_first"
    family = "test"
    take = Input(TAKE, "takes")

    def start(self) -> None:
        self.got: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    def on_take(self, take: Take) -> None:
        self.got.append(take.take_id)
        if len(self.got) == 1:
            self.holding.set()
            self.release.wait(30)


def recorder_patch(tmp_path: Path, **params: object) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {
        "folder": str(tmp_path / "takes"), "state_folder": str(tmp_path / "state"), "host": "127.0.0.1", "port": 0,
        "print_qr": False, **params}))
    patch.add_node(NodeSpec("hold", "test_hold_first", {}))
    patch.connect("rec.take", "hold.take")
    return patch


def test_a_take_in_flight_as_the_recorder_is_rebuilt_goes_through_once(tmp_path: Path) -> None:
    reg = registry()
    reg.register(HoldFirst, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(recorder_patch(tmp_path))
    hold = engine.node("hold")
    assert isinstance(hold, HoldFirst)
    phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
    try:
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="in-flight")
        assert status == 201, reply
        assert hold.holding.wait(20)
        old = rec_of(engine)
        assert engine.update(recorder_patch(tmp_path, warn_free_mb=1)) is not None  # another setting: rebuilt
        assert rec_of(engine) is not old
        phone.port = rec_of(engine).server.port
        hold.release.set()
        assert engine.wait_idle(10, settle=0.3)
        status, listed = phone.request("GET", "/api/takes")
    finally:
        hold.release.set()
        engine.stop()
    assert hold.got == [reply["take_id"]]  # once, not again as the last run's
    assert status == 200
    assert [(t["client_take_id"], t.get("fate")) for t in listed["takes"]] == [("in-flight", "done")], listed
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
