"""The sampler node without a sound card (device 'none'): slots, lock, history, controls, observers."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import types
from collections.abc import Iterator

import mido
import numpy as np
import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.node import NodeContext, ParamError
from exsampling_patch.nodes import sampler as sampler_package
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.sampler_assign import FixedSlot

from .helpers import peak, sine_take


@pytest.fixture
def sampler() -> Iterator[Sampler]:
    node = Sampler("smp", {"device": "none", "virtual_port": "", "history": 3}, NodeContext())
    node.start()
    yield node
    node.stop()


def render(node: Sampler, blocks: int = 10) -> np.ndarray:
    out = np.zeros((256, 2), np.float32)
    chunks = []
    for _ in range(blocks):
        node.core.render(out)
        chunks.append(out[:, 0].copy())
    return np.concatenate(chunks)


def test_assignment_loads_the_slot_reports_latency_and_passes_on(sampler: Sampler) -> None:
    take = sine_take(220.0).derive(meta={"stored_at": time.monotonic() - 0.25})
    sampler.on_assign(SlotAssignment("Snare", take, "knock", 0.8))
    status = sampler.context.statuses[-1]
    assert status["slot"] == "Snare" and status["label"] == "knock" and status["take"] == take.take_id
    assert 250 <= status["latency_ms"] < 5000
    assert sampler.context.emitted[-1][0] == "loaded"
    state = sampler.slot_states()[1]
    assert state["name"] == "Snare" and state["take"] == take.take_id and state["pitch_hz"] == 220.0
    assert state["overview"].shape == (256,) and state["overview"].max() == pytest.approx(0.5, rel=0.05)
    sampler.on_midi(mido.Message("note_on", channel=1, note=57, velocity=127))
    assert peak(render(sampler)) > 0.4


def test_history_rolls_back_and_forward_and_keeps_the_last_n(sampler: Sampler) -> None:
    takes = [sine_take(100.0 * (i + 1)) for i in range(4)]
    for take in takes:
        sampler.on_assign(SlotAssignment("HH", take))
    state = sampler.slot_states()[0]
    assert state["history"] == [t.take_id for t in takes[1:]] and state["take"] == takes[3].take_id
    assert sampler.rollback("HH") == takes[2].take_id
    assert sampler.rollback("HH", 5) == takes[1].take_id  # stops at the oldest kept
    assert sampler.rollback("HH") is None
    sampler.on_control(ControlValue("HH.rollback", -1))  # forward
    assert sampler.slot_states()[0]["take"] == takes[2].take_id
    render(sampler, 1)
    assert sampler.sounding("HH") == takes[2].take_id  # the callback has it


def test_lock_keeps_the_take_gain_and_mute_reach_the_core(sampler: Sampler) -> None:
    first, second = sine_take(200.0), sine_take(300.0)
    sampler.on_assign(SlotAssignment("BD", first))
    sampler.on_control(ControlValue("BD.lock", 1))
    sampler.on_assign(SlotAssignment("BD", second))
    state = sampler.slot_states()[3]
    assert state["take"] == first.take_id and state["locked"] and state["history"] == [first.take_id]
    assert sampler.context.statuses[-1]["skipped"] == second.take_id
    sampler.on_control(ControlValue("bd.gain", 0.5))
    sampler.on_control(ControlValue("BD.mute", 1))
    sampler.on_control(ControlValue("master.gain", 0.8))
    state = sampler.slot_states()[3]
    assert state["gain"] == 0.5 and state["muted"] and sampler.state.master[0] == pytest.approx(0.8)


def test_unknown_slots_and_controls_are_reported_not_raised(sampler: Sampler) -> None:
    sampler.on_assign(SlotAssignment("Cowbell", sine_take(200.0)))
    sampler.on_control(ControlValue("HH.wobble", 1))
    errors = [str(e) for e in sampler.context.errors]
    assert "no slot named 'Cowbell'; slots are HH, Snare, TT, BD, Piano, Wind, Bass, Chorus" in errors[0]
    assert "HH.wobble" in errors[1]


def test_slot_names_count_and_note_ranges() -> None:
    node = Sampler("smp", {"device": "none", "virtual_port": "", "slots": 3, "slot_names": ["Kick", "Vox"],
                           "mapping": "note_range", "note_ranges": {"Vox": "60-72"}}, NodeContext())
    node.start()
    try:
        assert [s["name"] for s in node.slot_states()] == ["Kick", "Vox", "Slot3"]
        node.on_assign(SlotAssignment("vox", sine_take(261.63)))
        node.on_midi(mido.Message("note_on", channel=5, note=60, velocity=100))
        assert peak(render(node)) > 0.3
    finally:
        node.stop()
    with pytest.raises(ParamError):
        Sampler("smp", {"mapping": "keys"})


def test_fixed_slot_round_robin() -> None:
    node = FixedSlot("fx", {"mode": "round_robin", "slots": ["HH", "BD"]})
    node.start()
    for _ in range(3):
        node.on_take(sine_take(100.0))
    assert [m.slot for _, m in node.context.emitted] == ["HH", "BD", "HH"]
    fixed = FixedSlot("fx", {"slot": "Piano"})
    fixed.start()
    fixed.on_take(sine_take(100.0).derive(meta={"label": "phone"}))
    assert fixed.context.emitted[0][1].slot == "Piano" and fixed.context.emitted[0][1].label == "phone"


def test_each_module_of_the_sampler_is_reached_by_its_name() -> None:
    """``sampler.prepare`` named the function ``prepare`` the package imported, not its module: monkeypatching
    ``exsampling_patch.nodes.sampler.prepare.<name>`` or ``import ...sampler.prepare as m`` got the function."""
    import exsampling_patch.nodes.sampler.prepare as prepare_module

    assert isinstance(prepare_module, types.ModuleType) and hasattr(prepare_module, "prepare")
    for found in pkgutil.iter_modules(sampler_package.__path__):
        module = importlib.import_module(f"{sampler_package.__name__}.{found.name}")
        assert getattr(sampler_package, found.name) is module is sys.modules[module.__name__], found.name
