"""A take in flight (a sink still handling it) that ends as a live edit rebuilds the web recorder, after the swap has
put the new node in its cell and before its start(): the runtime tells the new node the take's end, and its
take_ended failed on the tables its start() makes (an error on the node), the take was not written down as done, and
the start, finding it stored, not done and no longer in flight, passed it on again: the same take went through the
patch twice. The new node now keeps such ends for its start, which tells them as any once its tables are made, and
does not pass those takes on again. A real HTTPS recorder in an engine, the edit made with engine.update; the sink let
go, and the take's end waited for, by the new node's prepare() (between the cell swap and the start)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, rec_of, registry, sine
from .test_recorder_rebuilt_in_flight import HoldFirst


class EndBeforeStart(WebRecorder):
    """A web recorder that, once :attr:`at_prepare` is set (the test's edit), calls it from its prepare(): after the
    swap put it in its cell, before its start()."""

    type_name = "test_end_before_start"
    at_prepare: ClassVar[Any] = None

    def __init__(self, node_id: str = "", params: Mapping[str, Any] | None = None,
                 context: NodeContext | None = None) -> None:
        super().__init__(node_id, params, context)
        self.told = threading.Event()  # take_ended has been called on this node (and has returned or raised)

    def prepare(self) -> None:
        super().prepare()
        if EndBeforeStart.at_prepare is not None:
            EndBeforeStart.at_prepare(self)

    def take_ended(self, ended: Any) -> None:
        try:
            super().take_ended(ended)
        finally:
            self.told.set()


def recorder_patch(tmp_path: Path, **params: object) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "test_end_before_start", {
        "folder": str(tmp_path / "takes"), "state_folder": str(tmp_path / "state"), "host": "127.0.0.1", "port": 0,
        "print_qr": False, **params}))
    patch.add_node(NodeSpec("hold", "test_hold_first", {}))
    patch.connect("rec.take", "hold.take")
    return patch


def test_a_take_ending_between_the_rebuilds_swap_and_its_start_goes_through_once(tmp_path: Path) -> None:
    reg = registry()
    reg.register(HoldFirst, "tests")
    reg.register(EndBeforeStart, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(recorder_patch(tmp_path))
    hold = engine.node("hold")
    assert isinstance(hold, HoldFirst)
    phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
    told_before_start: list[bool] = []

    def end_the_take(new: WebRecorder) -> None:  # the new node, in its cell, not started
        assert isinstance(new, EndBeforeStart) and engine.node("rec") is new
        hold.release.set()
        told_before_start.append(new.told.wait(30))

    try:
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="ends-mid-rebuild")
        assert status == 201, reply
        assert hold.holding.wait(20)
        EndBeforeStart.at_prepare = end_the_take
        try:
            assert engine.update(recorder_patch(tmp_path, warn_free_mb=1)) is not None  # another setting: rebuilt
        finally:
            EndBeforeStart.at_prepare = None
        assert told_before_start == [True]  # its end came to the new node before its start
        phone.port = rec_of(engine).server.port
        assert engine.wait_idle(10, settle=0.3)
        status, listed = phone.request("GET", "/api/takes")
        errors = dict(engine.errors)
    finally:
        hold.release.set()
        engine.stop()
    assert hold.got == [reply["take_id"]]  # once, not again as the last run's
    assert errors == {}  # its end was told on the node as an error in take_ended
    assert status == 200
    assert [(t["client_take_id"], t.get("fate")) for t in listed["takes"]] == [("ends-mid-rebuild", "done")], listed
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
