"""What becomes of plain messages (notes, triggers: no take) queued at the nodes of a live edit that is rolled back."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.waiting import wait_for

GO = threading.Event()
ON_START: list[Callable[[], None]] = []  # what a t_plain_quits runs in its start() before it quits


class Notes(Node):
    """A source: the test calls push() from its own thread."""

    type_name = "t_plain_notes"
    out = Output(ANY)

    def push(self, note: int) -> None:
        self.emit("out", note)


class Relay(Node):
    """Passes each message on."""

    type_name = "t_plain_relay"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def on_inlet(self, message: Any) -> None:
        self.emit("outlet", message)


class HoldRelay(Relay):
    """Holds each message in its handler until GO is set, then passes it on (not hung meanwhile)."""

    type_name = "t_plain_hold_relay"
    hang_after = 30.0

    def start(self) -> None:
        self.entered = threading.Event()

    def on_inlet(self, message: Any) -> None:
        self.entered.set()
        GO.wait(10)
        self.emit("outlet", message)


class Sink(Node):
    """Keeps what it gets."""

    type_name = "t_plain_sink"
    inlet = Input(ANY, multiple=True)

    def start(self) -> None:
        self.got: list[Any] = []

    def on_inlet(self, message: Any) -> None:
        self.got.append(message)


class Quits(Node):
    """Runs what the test put in ON_START in its start(), then calls sys.exit(), as a plugin may."""

    type_name = "t_plain_quits"

    def start(self) -> None:
        for hook in ON_START:
            hook()
        sys.exit("no device")


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, Relay, HoldRelay, Sink, Quits):
        registry.register(node_type, "test")
    return registry


def patch_of(nodes: dict[str, str], links: list[str]) -> Patch:
    patch = Patch()
    for node_id, type_name in nodes.items():
        patch.add_node(NodeSpec(node_id, type_name))
    for link in links:
        patch.connect(*link.split(" -> "))
    return patch


@pytest.fixture
def engine(registry: Registry, caplog: pytest.LogCaptureFixture) -> Iterator[Engine]:
    """An engine running notes -> sink, its warnings captured; afterwards the held relays let go and it stops."""
    GO.clear()
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(patch_of({"notes": "t_plain_notes", "sink": "t_plain_sink"}, ["notes.out -> sink.inlet"]))
    caplog.set_level(logging.WARNING, logger="exsampling_patch.runtime.engine")
    try:
        yield engine
    finally:
        GO.set()
        ON_START.clear()
        engine.stop()


def held_with_queued(engine: Engine, node_id: str, queued: int, where: str) -> Callable[[], None]:
    """What the quitter runs as it starts: the notes send 1, which ``node_id`` (a hold relay, ``where``) holds, then
    ``queued`` more, queued behind it. The one in hand goes on once the roll-back takes no more of its queue."""
    notes: Any = engine.node("notes")

    def let_go(held: Any) -> None:
        wait_for(lambda: not held.started, 5)
        GO.set()

    def meanwhile() -> None:
        held = engine._cells[node_id]
        notes.push(1)
        assert held.node.entered.wait(5)  # type: ignore[attr-defined]
        for note in range(2, 2 + queued):
            notes.push(note)
        assert wait_for(lambda: len(held.inbox) == queued, 5), f"queued at {where} behind the one it holds"
        threading.Thread(target=let_go, args=(held,), daemon=True).start()

    return meanwhile


@pytest.mark.parametrize("queued", [1, 2])
def test_plain_messages_at_the_second_of_two_added_nodes_are_told_when_the_edit_rolls_back(
        engine: Engine, caplog: pytest.LogCaptureFixture, queued: int) -> None:
    # An edit puts a1 -> a2 between the notes and the sink; "quitter" (started last: it feeds nothing) quits once
    # a2 holds a note and ``queued`` more are queued behind it. What a1 made of those has no node in the plan put
    # back: they were dropped without a word, notes lost unheard.
    edit = patch_of({"quitter": "t_plain_quits", "notes": "t_plain_notes", "a1": "t_plain_relay",
                     "a2": "t_plain_hold_relay", "sink": "t_plain_sink"},
                    ["notes.out -> a1.inlet", "a1.outlet -> a2.inlet", "a2.outlet -> sink.inlet"])
    ON_START[:] = [held_with_queued(engine, "a2", queued, "a2")]
    with pytest.raises(SystemExit):
        engine.update(edit)
    assert engine.plan is not None and engine.plan.version == 1
    assert engine.wait_idle(5)
    assert engine.node("sink").got == [1]  # type: ignore[attr-defined]
    told = [record.getMessage() for record in caplog.records if "a2" in record.getMessage()]
    messages = "1 message" if queued == 1 else f"{queued} messages"
    assert told == [f"node a2 had {messages} queued that no node of the restored patch takes: dropped, since "
                    "the edit that added it was not swapped in"]


@pytest.mark.parametrize("queued", [1, 2])
def test_messages_at_an_added_node_beside_the_old_links_are_told_when_the_edit_rolls_back(
        engine: Engine, caplog: pytest.LogCaptureFixture, queued: int) -> None:
    # An edit links the notes to a tap as well as to the sink; "quitter" quits once the tap holds a note and
    # ``queued`` more are queued behind it. The sink had each of them by its own link: the plan put back has no
    # node to hand the tap's copies to, and they were dropped without a word.
    edit = patch_of({"quitter": "t_plain_quits", "notes": "t_plain_notes", "tap": "t_plain_hold_relay",
                     "sink": "t_plain_sink"}, ["notes.out -> sink.inlet", "notes.out -> tap.inlet"])
    ON_START[:] = [held_with_queued(engine, "tap", queued, "the tap")]
    with pytest.raises(SystemExit):
        engine.update(edit)
    assert engine.plan is not None and engine.plan.version == 1
    assert engine.wait_idle(5)
    assert engine.node("sink").got == list(range(1, 2 + queued))  # type: ignore[attr-defined]
    told = [record.getMessage() for record in caplog.records if "tap" in record.getMessage()]
    messages = "1 message" if queued == 1 else f"{queued} messages"
    assert told == [f"node tap had {messages} queued that the restored patch's nodes had by their own links: "
                    "dropped, since the edit that added it was not swapped in"]


@pytest.mark.parametrize("queued", [1, 2])
def test_messages_from_an_output_the_restored_patch_links_nowhere_are_told_when_the_edit_rolls_back(
        engine: Engine, caplog: pytest.LogCaptureFixture, queued: int) -> None:
    # The notes' output is linked to nothing; an edit links it to a tap, and "quitter" quits once the tap holds a
    # note and ``queued`` more are queued behind it: the plan put back sends them nowhere.
    engine.update(patch_of({"notes": "t_plain_notes", "sink": "t_plain_sink"}, []))
    edit = patch_of({"quitter": "t_plain_quits", "notes": "t_plain_notes", "tap": "t_plain_hold_relay",
                     "sink": "t_plain_sink"}, ["notes.out -> tap.inlet"])
    ON_START[:] = [held_with_queued(engine, "tap", queued, "the tap")]
    with pytest.raises(SystemExit):
        engine.update(edit)
    assert engine.plan is not None and engine.plan.version == 2
    assert engine.wait_idle(5)
    assert engine.node("sink").got == []  # type: ignore[attr-defined]
    told = [record.getMessage() for record in caplog.records if "tap" in record.getMessage()]
    messages = "1 message" if queued == 1 else f"{queued} messages"
    assert told == [f"node tap had {messages} queued from an output the restored patch links to no node: dropped, "
                    "since the edit that added it was not swapped in"]


@pytest.mark.parametrize("queued", [1, 2])
def test_copies_of_messages_at_two_added_nodes_are_handed_back_once_and_told(
        engine: Engine, caplog: pytest.LogCaptureFixture, queued: int) -> None:
    # An edit puts two taps between the notes and the sink, side by side; "quitter" quits once each holds a note
    # and ``queued`` more are queued behind it. Each note is handed back to the sink once, from one tap; the other
    # tap's copies were dropped without a word, its queue seeming to vanish.
    edit = patch_of({"quitter": "t_plain_quits", "notes": "t_plain_notes", "tap1": "t_plain_hold_relay",
                     "tap2": "t_plain_hold_relay", "sink": "t_plain_sink"},
                    ["notes.out -> tap1.inlet", "notes.out -> tap2.inlet", "tap1.outlet -> sink.inlet",
                     "tap2.outlet -> sink.inlet"])
    notes: Any = engine.node("notes")

    def meanwhile() -> None:
        taps = [engine._cells["tap1"], engine._cells["tap2"]]
        notes.push(1)
        assert all(tap.node.entered.wait(5) for tap in taps)  # type: ignore[attr-defined]
        for note in range(2, 2 + queued):
            notes.push(note)
        assert all(len(tap.inbox) == queued for tap in taps)  # pushed from this thread: queued at each as it sent

        def go_once_stopped() -> None:
            if wait_for(lambda: not taps[0].started, 5):
                GO.set()

        threading.Thread(target=go_once_stopped, daemon=True).start()

    ON_START[:] = [meanwhile]
    with pytest.raises(SystemExit):
        engine.update(edit)
    assert engine.plan is not None and engine.plan.version == 1
    assert engine.wait_idle(5)
    # The one each tap held goes on along the edit's links, once per tap; those queued reach the sink once each.
    assert sorted(engine.node("sink").got) == [1, 1, *range(2, 2 + queued)]  # type: ignore[attr-defined]
    told = [record.getMessage() for record in caplog.records if "tap" in record.getMessage()]
    messages = "1 message" if queued == 1 else f"{queued} messages"
    assert len(told) == 1 and told[0] in [
        f"node {tap} had {messages} queued that reached another input the edit linked as well: dropped, since the "
        "edit that added it was not swapped in" for tap in ("tap1", "tap2")], told
