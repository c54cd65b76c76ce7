"""Two of the web recorder's recovery threads at once: the start's, passing on a take the last run left, and one a
take handed on late started (a live edit's rebuild: :mod:`exsampling_patch.nodes.web_recorder.late`). Each looked at
the takes left to pass on, then took one: both saw the last one, and the one that came second raised IndexError (an
error on the node, in Python's words). A real HTTPS recorder in an engine; the start's thread held between its look
and its take (its look at the node's stop) until the late take's thread has passed on both."""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.late import hand_on
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore, take_metadata

from .conftest import probe_of, registry, sine, stored_not_done


class HeldStop(threading.Event):
    """A node's stop event whose first look from the start's recovery thread waits until :attr:`go` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.held, self.go, self._once = threading.Event(), threading.Event(), True

    def is_set(self) -> bool:
        if (self._once and threading.current_thread().name == "rec-recover"
                and sys._getframe(1).f_code.co_name == "_recover"):
            self._once = False
            self.held.set()
            self.go.wait(30)
        return super().is_set()


class HeldRecorder(WebRecorder):
    type_name = "test_held_recorder"

    def __init__(self, node_id: str = "", params: Mapping[str, Any] | None = None,
                 context: NodeContext | None = None) -> None:
        super().__init__(node_id, params, context)
        self.stop_event = HeldStop()


def test_two_recovery_threads_take_the_last_take_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _, first = stored_not_done(tmp_path, state, encode_wav_pcm16(sine(), 48000), "Mika", "left")
    reg = registry()
    reg.register(HeldRecorder, "tests")
    patch = Patch()
    patch.add_node(NodeSpec("rec", "test_held_recorder", {
        "folder": str(tmp_path / "takes"), "state_folder": str(state), "host": "127.0.0.1", "port": 0,
        "print_qr": False}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec.take", "probe.take")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(patch)
    rec = engine.node("rec")
    assert isinstance(rec, HeldRecorder) and isinstance(rec.stop_event, HeldStop)
    try:
        assert rec.stop_event.held.wait(20), "the start's recovery thread never looked"
        late = TakeStore(tmp_path / "takes").store(Take(sine(), 48000, take_id="Mika-late-0001", source="Mika",
                                                         meta={"recorder": "Mika"}))
        assert late.path is not None
        assert hand_on(tmp_path / "takes", state, rec.context, "rec", late.path, take_metadata(late))
        taken = probe_of(engine).wait_for(2)
        rec.stop_event.go.set()
        assert engine.wait_idle(10, settle=0.3)
        errors = dict(engine.errors)
    finally:
        rec.stop_event.go.set()
        engine.stop()
    assert sorted(take.take_id for take in taken) == sorted([first["take_id"], "Mika-late-0001"])
    assert errors == {}
