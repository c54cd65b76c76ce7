"""The editor's buttons (the performance view's lock, unlock, roll-back; a slot's audition) in the show log: they
reach the sampler through ``engine.inject(..., source="editor")``, published as hops the log writes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import numpy as np
import pytest

from exsampling_patch.editor.slots import audition, read_slots, slot_control
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.runtime import Engine, showlog

from .show_rig import BLOCK, lines_of, live_sampler, sine


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Engine, Any, showlog.ShowLog, Path]]:
    with live_sampler(tmp_path, watch_played=False) as rig:
        yield rig


def test_editor_lock_and_roll_back_are_in_the_show_log(live: tuple[Engine, Any, showlog.ShowLog, Path]) -> None:
    """The performance view's lock, unlock and roll-back reach the sampler through slot_control: each is a
    ``control`` line, and the roll-back's ``load``; replayed, the slot plays the take rolled back to."""
    from exsampling_patch.nodes.sampler import Sampler

    engine, node, show, path = live
    engine.inject("sampler", "assign", SlotAssignment("HH", sine(440.0, 0.5, 0.5, "a")), source="test")
    engine.inject("sampler", "assign", SlotAssignment("HH", sine(330.0, 0.5, 0.5, "b")), source="test")
    assert engine.wait_idle(10.0)
    assert slot_control(engine, "sampler", "HH", "lock", 1.0) is None
    assert engine.wait_idle(10.0)
    engine.inject("sampler", "assign", SlotAssignment("HH", sine(220.0, 0.5, 0.5, "c")), source="test")  # skipped
    assert engine.wait_idle(10.0)
    assert slot_control(engine, "sampler", "HH", "lock", 0.0) is None
    assert slot_control(engine, "sampler", "HH", "rollback", 1.0) is None
    assert engine.wait_idle(10.0)
    time.sleep(0.05)
    engine.inject("sampler", "midi", mido.Message("note_on", channel=0, note=69, velocity=127), source="test")
    assert engine.wait_idle(10.0)
    time.sleep(0.05)
    show.close()
    lines = lines_of(path)
    controls = [(c["name"], c["value"]) for c in lines if c["event"] == "control"]
    assert controls == [("HH.lock", 1.0), ("HH.lock", 0.0), ("HH.rollback", 1.0)]
    assert [load["take_id"] for load in lines if load["event"] == "load"] == ["a", "b", "a"]
    assert node.slot_states()[0]["take"] == "a"
    audio, rate = Sampler.render_show(Sampler, lines, path.parent)
    note = next(m["t"] for m in lines if m["event"] == "midi")
    heard = audio[int(note * rate) + 2 * BLOCK: int(note * rate) + 2 * BLOCK + 4800]
    spectrum = np.abs(np.fft.rfft(heard * np.hanning(heard.size)))
    assert np.fft.rfftfreq(heard.size, 1 / rate)[int(np.argmax(spectrum))] == pytest.approx(440.0, abs=15.0)


def test_an_audition_from_the_editor_is_in_the_show_log(live: tuple[Engine, Any, showlog.ShowLog, Path]) -> None:
    engine, node, show, path = live
    engine.inject("sampler", "assign", SlotAssignment("Snare", sine(220.0, 0.5, 0.5, "a")), source="test")
    assert engine.wait_idle(10.0)
    slots = read_slots(node)
    assert slots is not None
    assert audition(engine, "sampler", slots[1], seconds=0.1) is None
    assert engine.wait_idle(10.0)
    show.close()
    midi = [(m["type"], m["channel"], "due" in m) for m in lines_of(path) if m["event"] == "midi"]
    assert midi == [("note_on", 1, False), ("note_off", 1, True)]
