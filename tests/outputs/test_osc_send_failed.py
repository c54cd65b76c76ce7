"""A take osc_send could not send (the socket refused it: an unreachable or forbidden destination) ends as an error
with the reason, on real UDP. The error was reported on the node once, but the take ended 'done', as if it went."""

from __future__ import annotations

import time
from pathlib import Path

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, TakeEnded
from exsampling_patch.runtime.events import NodeError, NodeRecovered
from exsampling_patch.takes import write_take

from .helpers import sine_take

# Linux refuses a UDP send to the broadcast address from a socket without SO_BROADCAST (EACCES): a real send error
REFUSED = "255.255.255.255"


def test_a_take_that_could_not_be_sent_ends_in_error_with_the_reason(tmp_path: Path) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("tx", "osc_send", {"host": REFUSED, "port": 9, "folder": str(tmp_path / "osc")}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    try:
        for name in ("kick", "snare"):  # the second too: the node reports a problem once, each take ends with it
            engine.inject("tx", "message", write_take(sine_take(220.0, seconds=0.05), tmp_path / f"{name}.wav"))
        deadline = time.monotonic() + 5.0
        while len(ended) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        engine.stop()
    assert [end.fate for end in ended] == ["error", "error"]
    assert all(f"OSC to {REFUSED}:9 failed" in end.reason and "ermission denied" in end.reason for end in ended)


def test_an_assignment_that_could_not_be_sent_says_so_beside_its_slot(tmp_path: Path) -> None:
    sender = OscSend("tx", {"host": REFUSED, "port": 9, "folder": str(tmp_path / "osc")})
    sender.start()
    try:
        sender.on_message(SlotAssignment("one", sine_take(220.0, seconds=0.05), "kick", 0.9))
    finally:
        sender.stop()
    assert len(sender.context.errors) == 1
    # as for a copy that could not be written: noted for its end (the runtime's 'slot' outranks it there)
    assert [fate for fate, _ in sender.context.fates] == ["error"]
    assert "failed" in sender.context.fates[0][1]


def test_the_node_stays_in_its_error_while_its_sends_fail(tmp_path: Path) -> None:
    # Once, the error was told once and the next message handled ended it, as the engine ends a handler's error: the
    # node (and the editor's status bar) showed none while every send failed. Then each message told it again: one
    # error event a message. Told about the node's "port", it is told once and stands.
    patch = Patch()
    patch.add_node(NodeSpec("tx", "osc_send", {"host": REFUSED, "port": 9, "folder": str(tmp_path / "osc")}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    ended: list[TakeEnded] = []
    told: list[NodeError] = []
    back: list[NodeRecovered] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.events.subscribe(told.append, NodeError)
    engine.events.subscribe(back.append, NodeRecovered)
    engine.start(patch)
    try:
        for name in ("kick", "snare", "hat"):
            engine.inject("tx", "message", write_take(sine_take(220.0, seconds=0.05), tmp_path / f"{name}.wav"))
        deadline = time.monotonic() + 5.0
        while len(ended) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(ended) == 3
        assert f"OSC to {REFUSED}:9 failed" in engine.errors.get("tx", "")
    finally:
        engine.stop()
    assert back == []
    assert len(told) == 1 and told[0].about == "port"  # not one a message: the editor counts them on the node
