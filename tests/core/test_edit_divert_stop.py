"""The engine's stop() landing while a live edit hands on what was on its way through a node it takes out from
between two (:mod:`exsampling_patch.runtime.divert`), with real engine workers."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from exsampling_patch import Take
from exsampling_patch.runtime import Engine, Event, MessageHop, NodeStopped
from tests.core.engine_nodes import Held, engine_registry, taken_out_from_between
from tests.waiting import wait_for


def test_a_stop_during_an_edits_hand_on_waits_for_what_it_hands_on() -> None:
    """stop() waits for the messages queued at the nodes, but not for those an edit had taken out of a removed
    node's queue to hand on: they were in no queue. A stop that came then found nothing queued, stopped the nodes
    and said all had finished; the takes handed on after it met stopped nodes and were left in flight, redone at
    the next start though nothing had kept them from ending. Here the hand-on of the first is held (its MessageHop,
    on the edit's thread) until stop() has stopped the sink, or waits for what is handed on."""
    registry = engine_registry()
    registry.register(Held, "test")
    Held.gate.clear()
    patch, edited = taken_out_from_between("held")
    engine = Engine(registry, workers=2)
    handing, sink_stopped = threading.Event(), threading.Event()

    def observe(event: Event) -> None:
        if isinstance(event, NodeStopped) and event.node_id == "sink":
            sink_stopped.set()
        elif isinstance(event, MessageHop) and (event.node_id, event.target) == ("r1", "r2") and not handing.is_set():
            handing.set()  # the edit's thread, handing on the first queued take
            # Until stop() has moved on to the nodes (here: the sink), or waits for this hand-on (not settled).
            while not sink_stopped.wait(0.002) and not (engine._halted and not engine._settled()):
                pass

    engine.events.subscribe(observe, MessageHop, NodeStopped)
    engine.start(patch)
    takes = [Take(np.full(480, 0.1, np.float32), 48000, take_id=f"t{number}", source="Ana") for number in range(3)]
    stopped = False
    try:
        for take in takes:
            engine.inject("r1", "inlet", take)
        cell = engine._cells["extra"]
        assert engine.node("extra").entered.wait(5)  # type: ignore[attr-defined]
        assert wait_for(lambda: len(cell.inbox) == 2, 5)
        swap = threading.Thread(target=engine.update, args=(edited,))
        swap.start()
        assert wait_for(lambda: not cell.started, 5)  # the edit waits for the one in hand
        Held.gate.set()
        assert handing.wait(5)
        sink: Any = engine.node("sink")
        clean = engine.stop()
        stopped = True
        swap.join(10)
        assert not swap.is_alive()
        assert clean  # said so before as well, with two takes left in flight
        assert engine.ledger.in_flight() == []
        assert [take.take_id for take in sink.received] == ["t0", "t1", "t2"]
    finally:
        Held.gate.set()
        sink_stopped.set()
        if not stopped:
            engine.stop()
