"""A node's live line tells of one event at a time: a newer status's fields replace those of the last event,
so the line never mixes two takes (the sampler once read "dog | slot HH" while HH held crickets)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from exsampling_patch import ANY, Input, Node
from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, EventBus, NodeError, NodeRecovered, NodeStatus, NodeTiming
from exsampling_patch.runtime.recovery import ErrorState


def line(observer: RuntimeObserver, node_id: str, **status: Any) -> str:
    observer.on_event(NodeStatus(node_id, status))
    observer.apply()
    return live_text(observer.nodes[node_id])


def test_a_newer_events_status_replaces_the_last_ones_fields() -> None:
    observer = RuntimeObserver()
    # As the sampler reports: a dog loaded into Bass, then a take skipped because HH is locked, then a gain
    # change on HH (a control names only the slot).
    assert line(observer, "sampler", slot="Bass", label="dog", take="t1", swap_due=0.0, latency_ms=12.0) == \
        "dog  |  slot Bass  |  12 ms"
    assert line(observer, "sampler", slot="HH", skipped="t2", locked=True) == "skipped: slot HH locked"
    assert line(observer, "sampler", slot="HH") == "slot HH"
    assert line(observer, "sampler", slot="HH", label="crickets", take="t3") == "crickets  |  slot HH"
    # The slot map: a take held for its prediction says nothing of the last take's label or slot.
    assert line(observer, "map", take="t4", label="dog", slot="Bass", confidence=0.9) == "dog 90%  |  slot Bass"
    assert line(observer, "map", take="t5", waiting=1) == ""
    # A take the gate rejected, let go by the slot map: why, not an empty slot.
    assert line(observer, "map", take="t6", slot="", rejected="not sure (dog 31%)", waiting=0) == \
        "rejected: not sure (dog 31%)"
    # Rejected but sent to the gate's fallback slot: the slot it went to.
    assert line(observer, "map", take="t7", label="dog", slot="Wind", confidence=0.3, rejected="not sure") == \
        "dog 30%  |  slot Wind"


def test_fields_that_are_no_event_are_kept_beside_the_last_event() -> None:
    observer = RuntimeObserver()
    line(observer, "sampler", xruns=2)
    assert line(observer, "sampler", slot="Bass", label="dog", take="t1") == "2 xruns  |  dog  |  slot Bass"
    assert line(observer, "sampler", level=0.5, voices=2) == "2 xruns  |  dog  |  slot Bass"  # the level keeps it
    line(observer, "folder", last_file="a.wav", takes=1)
    assert line(observer, "groove", late_steps=0, playing=True) == ""
    # A pattern's steps skipped by a stalled host are its dropouts, shown as a stream's xruns are.
    assert line(observer, "groove", late_steps=3, playing=True) == "3 late steps"
    assert line(observer, "groove", late_steps=1, playing=True) == "1 late step"
    # A sampler's notes dropped unplayed (too late, or while its audio process restarted): after its xruns.
    assert line(observer, "sampler", dropped_notes=3) == "2 xruns  |  3 dropped notes  |  dog  |  slot Bass"
    assert line(observer, "folder", last_file="b.wav", takes=2) == "last file b.wav  |  takes 2"



def test_a_warning_leads_the_line_until_it_is_cleared() -> None:
    observer = RuntimeObserver()
    assert line(observer, "map", take="t1", waiting=9, warning="9 takes wait; all are kept") == \
        "warning: 9 takes wait; all are kept"
    assert line(observer, "map", take="t2", label="dog", slot="Bass", confidence=0.9) == \
        "warning: 9 takes wait; all are kept  |  dog 90%  |  slot Bass"
    assert line(observer, "map", warning="") == "dog 90%  |  slot Bass"



class Reporter(Node):
    """Report each message (a dict) as its status, as a sampler reports a take loaded or skipped."""

    type_name = "reporter"
    inlet = Input(ANY)

    def on_inlet(self, message: dict[str, Any]) -> None:
        self.report_status(**message)


def test_the_status_copied_when_attaching_to_a_running_patch_is_one_events() -> None:
    # The engine keeps each node's status by the same rule (runtime.events.merge_status), so an editor that
    # attaches while the patch runs does not start from a line mixing two takes.
    registry = Registry.default(entry_points=False)
    registry.register(Reporter, "test")
    patch = Patch()
    patch.add_node(NodeSpec("sampler", "reporter"))
    engine = Engine(registry)
    engine.start(patch)
    try:
        for status in ({"slot": "Bass", "label": "dog", "take": "t1"}, {"slot": "HH", "skipped": "t2", "locked": True}):
            engine.inject("sampler", "inlet", status)
            engine.wait_idle()
        observer = RuntimeObserver()
        observer.attach(engine)
        observer.apply()
        observer.detach()
    finally:
        engine.stop()
    assert "label" not in observer.nodes["sampler"].status
    assert "dog" not in live_text(observer.nodes["sampler"])


def test_a_takes_label_on_the_map_is_its_class_not_another_nodes_line() -> None:
    from exsampling_patch.messages import Take
    from exsampling_patch.runtime.events import MessageHop

    observer = RuntimeObserver()
    take = Take(np.zeros((480, 1), np.float32), 48000, take_id="t1", source="phones")
    observer.on_event(MessageHop("phones", "take", "trim", "take", take))
    for node_id, status in (("trim", {"take": "t1", "label": "5.00 -> 1.20 s"}),
                            ("classifier", {"take": "t1", "label": "dog", "confidence": 0.97}),
                            ("pitch", {"take": "t1", "label": "unpitched", "pitch_confidence": 0.45})):
        observer.on_event(NodeStatus(node_id, status))
    observer.apply()
    point = observer.takes["t1"]
    assert (point.label, point.confidence) == ("dog", 0.97)
    # the pitch node's own line keeps its estimate, and says what the figure is
    assert live_text(observer.nodes["pitch"]) == "unpitched (pitch confidence 45%)"


def test_a_node_whose_device_opens_again_after_an_error_is_back_with_its_count_kept() -> None:
    observer = RuntimeObserver()
    observer.on_event(NodeStatus("sampler", {"device": "system", "sample_rate": 48000.0}))
    # As the sampler reports its JACK server gone: an error of its own, no message failed.
    observer.on_event(NodeError("sampler", error="the sampler's audio process ended (exit status 3); restarting it"))
    observer.on_event(NodeStatus("sampler", {"level": 0.0}))  # nothing opened: still in error
    observer.apply()
    assert observer.nodes["sampler"].error is not None
    # The server restarted: the new process opened the device, and the engine says that ended the error. No take
    # may come for a long while.
    observer.on_event(NodeRecovered("sampler", how="opened"))
    observer.on_event(NodeStatus("sampler", {"device": "system", "sample_rate": 48000.0, "audio": "JACK server back"},
                                 back=True))
    assert observer.apply() == {"sampler"}
    live = observer.nodes["sampler"]
    assert live.error is None and live.error_count == 1
    # A MIDI port re-opened, and a recorder's server, by the same rule.
    for node_id, status in (("keys", {"midi_port": "Launchkey MIDI 1"}), ("phones", {"url": "https://10.0.0.2:8443"})):
        observer.on_event(NodeError(node_id, error="gone"))
        observer.on_event(NodeRecovered(node_id, how="opened"))
        observer.on_event(NodeStatus(node_id, status, back=True))
    observer.apply()
    assert observer.nodes["keys"].error is None and observer.nodes["phones"].error is None


def test_a_device_opened_while_a_message_fails_does_not_hide_that_failure() -> None:
    observer = RuntimeObserver()
    # A message failed (its NodeTiming follows): a device status from another thread meanwhile says nothing of it.
    observer.on_event(NodeError("sampler", error="KeyError: 'Bass'", port="assign"))
    observer.on_event(NodeStatus("sampler", {"device": "system", "sample_rate": 48000.0}))
    observer.on_event(NodeTiming("sampler", port="assign", seconds=0.001))
    observer.apply()
    assert observer.nodes["sampler"].error == "KeyError: 'Bass'"


def test_an_error_ends_at_the_engines_word_only() -> None:
    # runtime.recovery's rule is the engine's (tests/core/test_engine_recovery.py): the editor follows its
    # NodeRecovered. Messages handled and devices opened without it (a sampler with no JACK server still takes its
    # takes in, silent; an opening in its own start) leave the badge.
    observer = RuntimeObserver()
    observer.on_event(NodeError("sampler", error="no JACK server", during="start"))
    observer.on_event(NodeStatus("sampler", {"url": "https://10.0.0.2:8443"}, starting=True))  # its own start's
    observer.on_event(NodeTiming("sampler", port="assign", seconds=0.001))
    observer.on_event(NodeStatus("sampler", {"device": "system"}))
    observer.apply()
    assert observer.nodes["sampler"].error == "no JACK server" and observer.nodes["sampler"].handled == 1
    observer.on_event(NodeRecovered("sampler", how="opened"))
    assert observer.apply() == {"sampler"}
    assert observer.nodes["sampler"].error is None
    observer.on_event(NodeError("sampler", error="no slot named 'Bas'", port="assign"))
    observer.on_event(NodeTiming("sampler", port="assign", seconds=0.001))
    observer.apply()
    assert observer.nodes["sampler"].error == "no slot named 'Bas'"
    observer.on_event(NodeTiming("sampler", port="assign", seconds=0.001))
    observer.on_event(NodeRecovered("sampler", how="handled"))
    observer.apply()
    assert observer.nodes["sampler"].error is None and observer.nodes["sampler"].error_count == 2


class Flaky(Node):
    """Fails on "bad" messages; handles any other."""

    type_name = "flaky"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        if message == "bad":
            raise ValueError("bad message")


class CopiedWhileItRuns(Engine):
    """The engine, with its nodes' doings (from runtime threads, in a show) put at the very points around an
    observer's copy of its errors: ``before`` runs as the copy is asked for, ``after`` once it is taken."""

    before: Callable[[], None] = staticmethod(lambda: None)
    after: Callable[[], None] = staticmethod(lambda: None)

    def error_state(self, *args: Any, **kwargs: Any) -> dict[str, ErrorState]:
        self.before()
        try:
            return super().error_state(*args, **kwargs)
        finally:
            self.after()


def test_an_editor_attaching_misses_no_error_nor_recovery_told_as_it_copies_the_errors() -> None:
    """attach() copied the engine's errors, then subscribed: a NodeRecovered published between the two was lost,
    and the badge stood for an error the engine had ended. It subscribes first; an error told as the copy is taken
    (queued, and in the copy too) is counted once."""
    registry = Registry.default(entry_points=False)
    registry.register(Flaky, "test")
    patch = Patch()
    patch.add_node(NodeSpec("flaky", "flaky"))
    engine = CopiedWhileItRuns(registry, workers=1, pin_workers=False)
    engine.start(patch)

    def handle(message: str) -> None:
        engine.inject("flaky", "inlet", message)
        assert engine.wait_idle(5)

    try:
        handle("bad")
        engine.before = lambda: handle("bad")  # a second error, as the editor subscribes and copies
        engine.after = lambda: handle("good")  # the engine ends it, once the copy is taken
        observer = RuntimeObserver()
        observer.attach(engine)
        observer.apply()
        assert engine.errors == {} and engine.error_counts == {"flaky": 2}
        live = observer.nodes["flaky"]
        assert live.error is None and live.error_count == 2, (live.error, live.error_count)
        observer.detach()
    finally:
        engine.stop()


class SubscribedWhileItRuns(EventBus):
    """The engine's bus, with a node's doings (from runtime threads, in a show) put at the very points around an
    observer's subscription: ``before`` runs as it subscribes, ``after`` once it has."""

    before: Callable[[], None] = staticmethod(lambda: None)
    after: Callable[[], None] = staticmethod(lambda: None)

    def subscribe(self, *args: Any, **kwargs: Any) -> Callable[[], None]:
        self.before()
        try:
            return super().subscribe(*args, **kwargs)
        finally:
            self.after()


class StatusCopiedWhileItRuns(Engine):
    """The engine, with a node's doings run just after an observer has taken its copy of the statuses."""

    copied: Callable[[], None] = staticmethod(lambda: None)

    def status_snapshot(self) -> dict[str, dict[str, Any]]:
        try:
            return super().status_snapshot()
        finally:
            self.copied()


def test_an_editor_attaching_misses_no_status_and_its_copy_undoes_none() -> None:
    """attach() copied the engine's statuses, then subscribed: a status published between the two was lost until
    the node's next one (its voices never showed). It subscribes first, then copies; a status told once the copy is
    taken is newer than the copy, and the copy must not undo it (its level stayed 0.5)."""
    registry = Registry.default(entry_points=False)
    registry.register(Reporter, "test")
    patch = Patch()
    patch.add_node(NodeSpec("sampler", "reporter"))
    bus = SubscribedWhileItRuns()
    engine = StatusCopiedWhileItRuns(registry, workers=1, events=bus, pin_workers=False)
    engine.start(patch)

    def tell(**status: Any) -> None:
        engine.inject("sampler", "inlet", status)
        assert engine.wait_idle(5)

    try:
        tell(level=0.1)
        bus.before = lambda: tell(take="t1", label="dog", level=0.5, voices=3)  # as the editor subscribes
        bus.after = lambda: tell(take="t2", label="cat")  # once it has: queued, and in the copy too
        engine.copied = lambda: tell(level=0.9)  # once the copy is taken: newer than it
        observer = RuntimeObserver()
        observer.attach(engine)
        bus.before = bus.after = engine.copied = lambda: None
        observer.apply()
        assert observer.nodes["sampler"].status == engine.status["sampler"]
        assert engine.status["sampler"] == {"take": "t2", "label": "cat", "level": 0.9, "voices": 3}
        observer.detach()
    finally:
        engine.stop()


def test_a_take_not_loaded_names_the_label_its_slot_still_plays_as_such() -> None:
    # As the sampler reports a take its audio process refused: the label is the take the slot still plays. Before,
    # "kick  |  not loaded into slot Snare: ...": kick read as the refused take's label.
    observer = RuntimeObserver()
    why = "its file could not be received"
    assert line(observer, "smp", slot="Snare", take="t1", label="kick", skipped="t2", not_loaded=why) == \
        f"not loaded into slot Snare: {why}; it still plays kick"
    assert line(observer, "smp", slot="Snare", take="t1", label="", skipped="t3", not_loaded=why) == \
        f"not loaded into slot Snare: {why}"  # an unlabelled take (or nothing) plays: no label to name
    assert line(observer, "smp", slot="Snare", take="t4", label="snare") == "snare  |  slot Snare"
