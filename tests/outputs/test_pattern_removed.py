"""A pattern node a live edit removes: the steps it had sent ahead (up to its lookahead) do not play after the edit
in the sampler it was linked to, and its notes sounding then end there."""

from __future__ import annotations

import time
from typing import cast

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_ON
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.core.engine_nodes import Quits, Sink

from .helpers import sine_take

RATE, BLOCK = 48000, 256


def test_the_steps_a_removed_pattern_sent_ahead_do_not_play() -> None:
    sampler = NodeSpec("smp", "sampler", {"device": "none", "virtual_port": "", "sample_rate": RATE, "release_ms": 2.0})
    patch = Patch()
    patch.add_node(sampler)
    # 16ths at 240 BPM (62.5 ms), sent 300 ms ahead: four or five steps are out at the edit
    patch.add_node(NodeSpec("pat", "pattern", {"patterns": {"HH": "x"}, "tempo": 240.0, "lookahead_ms": 300.0}))
    patch.connect("pat.midi", "smp.midi")
    edited = Patch()
    edited.add_node(sampler.copy())
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.start(patch)
    try:
        node = cast(Sampler, engine.node("smp"))
        node.on_assign(SlotAssignment("HH", sine_take(440.0, seconds=5.0, rate=RATE)))
        time.sleep(0.6)
        updating = time.perf_counter()
        assert engine.update(edited) is not None
        edited_at = time.perf_counter()
        time.sleep(0.1)
        core, ring = node.core, node.state.ring
        events = [(int(ring.kind[n % ring.capacity]), float(ring.due[n % ring.capacity]))
                  for n in range(ring.read, ring.write)]
        timed = [due for _, due in events if due > 0.0]
        # the moment the node was told it leaves, as it stamped its cancel (a time read after update() returned was
        # late by however long the update took: on a busy host, past every step it had sent ahead)
        left = next(due for kind, due in events if kind == ALL_OFF)
        assert updating <= left <= edited_at
        # sent for after the edit: two blocks clear of it (0.1 s was more than a thread a busy host stalls has left of
        # its 0.3 s lookahead)
        assert [due for kind, due in events if kind == NOTE_ON and due > left + 2 * BLOCK / RATE]
        out = np.zeros((BLOCK, 2), np.float32)
        first, frame0 = min(timed) - 0.01, core.frame
        for b in range(int((max(timed) + 0.3 - first) * RATE) // BLOCK):
            core.render(out, at=first + b * BLOCK / RATE)
        started = [first + (frame - frame0) / RATE for kind, _, _, velocity, _, frame, _ in node.state.played.take()
                   if kind == NOTE_ON and velocity > 0]
        sounding = bool((core.active & ~core.releasing).any())
    finally:
        engine.stop()
    assert started and min(started) < left
    assert max(started) <= left + 1 / RATE, np.round(np.array(started) - left, 3)  # within the frame it fell in
    assert not sounding


def test_a_pattern_an_edit_rolled_back_would_remove_plays_on() -> None:
    """Told it leaves, the pattern ended its scheduler; the edit then failed (a plugin's sys.exit() in start()) and
    was rolled back: the pattern is rebuilt as it ran, and plays on. Left as it was, it played no step again. A
    removed node that does nothing when told it leaves runs on untouched."""
    registry = Registry.default(entry_points=False)
    for node_type in (Quits, Sink):
        registry.register(node_type, "test")
    patch = Patch()
    patch.add_node(NodeSpec("pat", "pattern", {"patterns": {"HH": "x"}, "tempo": 240.0, "lookahead_ms": 100.0}))
    patch.add_node(NodeSpec("snk", "sink"))
    edited = Patch()  # both removed, and a node added whose start() quits
    edited.add_node(NodeSpec("quitter", "quits", {"quit_in": "start"}))
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    try:
        sink = engine.node("snk")
        with pytest.raises(SystemExit):
            engine.update(edited)
        pattern = cast(Pattern, engine.node("pat"))
        played = pattern.steps_played
        deadline = time.monotonic() + 5.0  # 16 steps a second at 240 BPM
        while pattern.steps_played < played + 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pattern.steps_played >= played + 8, "the pattern plays no step after the rolled-back edit"
        assert engine.node("snk") is sink
        assert "pat" not in engine._left_why  # in the plan again: not told as removed by an edit
    finally:
        engine.stop()
