"""The sampler's swap parameter: a take assigned while a pattern plays waits for the next beat or bar of the
pattern's beat clock, so a new sound enters on the one."""

from __future__ import annotations

import time

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import clock as clocks
from exsampling_patch.nodes.pattern import Pattern

from .helpers import sine_take


def make(node_id: str, **params: object) -> Pattern:
    node = Pattern(node_id, params, NodeContext())
    node.start()
    return node


def test_the_sampler_holds_a_new_take_until_the_next_bar() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    sampler = Sampler("smp-swap", {"device": "none", "virtual_port": "", "swap": "bar", "clock": "pat-swap"},
                      NodeContext())
    sampler.start()
    node = make("pat-swap", patterns={"HH": "x"}, tempo=120.0, quantum=4.0)
    try:
        time.sleep(0.1)
        sampler.on_assign(SlotAssignment("HH", sine_take(220.0)))
        buffer = sampler.buffers[0]
        clock = clocks.current("pat-swap")
        assert clock is not None
        bar = clock.beat_at(buffer.due) / 4
        assert bar == pytest.approx(round(bar), abs=1e-6) and buffer.due > time.perf_counter()
    finally:
        node.stop()
        sampler.stop()
    now_sampler = Sampler("smp-now", {"device": "none", "virtual_port": ""}, NodeContext())
    now_sampler.start()
    try:
        now_sampler.on_assign(SlotAssignment("HH", sine_take(220.0)))
        assert now_sampler.buffers[0].due == 0.0
    finally:
        now_sampler.stop()


def test_a_pattern_stopped_by_its_control_holds_no_take() -> None:
    """A groove stopped with play 0 is not playing: a take assigned then sounds at once, as with no pattern at all
    (it waited for the next bar of the stopped groove, up to 2 s at 120 BPM, while the performer auditioned it)."""
    from exsampling_patch.messages import ControlValue
    from exsampling_patch.nodes.sampler import Sampler

    sampler = Sampler("smp-stopped", {"device": "none", "virtual_port": "", "swap": "bar", "clock": "pat-stopped"},
                      NodeContext())
    sampler.start()
    node = make("pat-stopped", patterns={"HH": "x"}, tempo=120.0, quantum=4.0)
    try:
        node.handle("control", ControlValue("play", 0.0))
        deadline = time.monotonic() + 10
        while (clocks.current("pat-stopped") is None or clocks.current("pat-stopped").playing) \
                and time.monotonic() < deadline:
            time.sleep(0.005)
        sampler.on_assign(SlotAssignment("HH", sine_take(220.0)))
        assert sampler.buffers[0].due == 0.0
    finally:
        node.stop()
        sampler.stop()
