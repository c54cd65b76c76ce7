"""A live edit that removes a node whose handler is hung: the queue behind that handler cannot move."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.core.test_roll_back_plain import Notes, Sink, patch_of

RELEASE = threading.Event()


class Hangs(Node):
    """Holds each message in its handler until RELEASE is set, then passes it on; counted as hung soon."""

    type_name = "t_retire_hangs"
    hang_after = 0.2
    inlet = Input(ANY)
    outlet = Output(ANY)

    def on_inlet(self, message: Any) -> None:
        RELEASE.wait(60)
        self.emit("outlet", message)


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, Sink, Hangs):
        registry.register(node_type, "test")
    return registry


@pytest.mark.parametrize("queued", [1, 2])
def test_an_edit_that_removes_a_hung_node_does_not_wait_for_its_queue_and_says_why_it_is_dropped(
        registry: Registry, caplog: pytest.LogCaptureFixture, queued: int) -> None:
    # The composer removes the node that shows hung. Its queue sits behind the hung handler (a node is handled by
    # one worker at a time): the edit waited its whole retire_wait for it all the same, the editor saying "swapping
    # the edit in" and taking no further edit meanwhile, then told the notes dropped "within 2 s", not why.
    RELEASE.clear()
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.retire_wait = 60.0  # a wait for the queue shows as an edit that does not end
    engine.start(patch_of({"notes": "t_plain_notes", "h": "t_retire_hangs", "sink": "t_plain_sink"},
                          ["notes.out -> h.inlet", "notes.out -> sink.inlet"]))
    notes: Any = engine.node("notes")
    caplog.set_level(logging.WARNING, logger="exsampling_patch.runtime.engine")
    swap = threading.Thread(target=engine.update,
                            args=(patch_of({"notes": "t_plain_notes", "sink": "t_plain_sink"},
                                           ["notes.out -> sink.inlet"]),), daemon=True)
    try:
        for note in range(1 + queued):
            notes.push(note)
        deadline = time.monotonic() + 5
        while "h" not in engine.hung and time.monotonic() < deadline:
            time.sleep(0.002)
        assert "h" in engine.hung and len(engine._cells["h"].inbox) == queued
        swap.start()
        swap.join(10)
        assert not swap.is_alive(), "the edit waits for the queue behind a hung handler"
        assert engine.plan is not None and engine.plan.version == 2
        told = [record.getMessage() for record in caplog.records if "node h," in record.getMessage()]
        messages = "1 message" if queued == 1 else f"{queued} messages"
        assert told == [f"node h, removed by an edit, had {messages} queued that it did not pass on: dropped, as its "
                        "handler is hung"]
    finally:
        RELEASE.set()
        swap.join(10)
        engine.stop()
