"""control_map: a controller's 0..1 fader sent as a pattern's tempo played at 20 BPM (the pattern's floor), whatever
its position. The map scales it onto the range the pattern wants, and renames and rounds values on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.messages import ControlValue
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.control_map import ControlMap
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.validate import check_file


def mapped(params: dict[str, Any], values: list[ControlValue]) -> list[tuple[str, float]]:
    node = ControlMap("map", params, NodeContext())
    node.start()
    for value in values:
        node.handle("control", value)
    return [(m.name, round(m.value, 6)) for port, m in node.context.emitted if port == "out"]


def test_a_fader_becomes_a_tempo_the_pattern_plays() -> None:
    node = ControlMap("map", {"maps": {"Tempo": [60, 180]}}, NodeContext())
    node.start()
    pattern = Pattern("pat-mapped", {"patterns": {"HH": "x"}, "tempo": 100.0}, NodeContext())
    pattern.start()
    try:
        node.handle("control", ControlValue("tempo", 0.5))
        for _port, value in node.context.emitted:
            pattern.handle("control", value)
        tempo = pattern.beat_clock().tempo
    finally:
        pattern.stop()
    assert tempo == pytest.approx(120.0)  # before: the 0.5 itself, clamped to 20 BPM


def test_ranges_curves_steps_and_names() -> None:
    faders = [ControlValue("tempo", v) for v in (0.0, 0.5, 1.0, 1.5, -1.0)]
    assert mapped({"maps": {"tempo": [60, 180]}}, faders) == [
        ("tempo", 60.0), ("tempo", 120.0), ("tempo", 180.0), ("tempo", 180.0), ("tempo", 60.0)]
    knob = {"maps": {"knob1": {"to": "tempo", "range": [60, 240], "from": [0, 127], "curve": "exponential",
                               "step": 1}}}
    assert mapped(knob, [ControlValue("knob1", v) for v in (0, 63.5, 127)]) == [
        ("tempo", 60.0), ("tempo", 120.0), ("tempo", 240.0)]  # each equal turn: the same ratio
    inverted = {"maps": {"fader": {"to": "HH.gain", "range": [1, 0]}}}
    assert mapped(inverted, [ControlValue("fader", 0.25)]) == [("HH.gain", 0.75)]
    others = [ControlValue("swing", 0.2), ControlValue("tempo", 0.0)]
    assert mapped({"maps": {"tempo": [60, 180]}}, others) == [("swing", 0.2), ("tempo", 60.0)]
    assert mapped({"maps": {"tempo": [60, 180]}, "others": "drop"}, others) == [("tempo", 60.0)]


def test_a_row_it_cannot_map_is_a_problem_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: map\n  type: control_map\n  params:\n    maps:\n"
                    "      tempo: [60]\n      swing: {range: [0, 0.5], curve: log}\n      ok: [0, 1]\n"
                    "      pitch: {range: [0, 100], curve: exponential}\nlinks: []\n", encoding="utf-8")
    problems = [(p.line, p.message) for p in check_file(path)]
    assert problems == [
        (7, "node 'map': parameter 'maps': range [60]: give two numbers, [low, high]"),
        (8, "node 'map': parameter 'maps': curve 'log': use linear or exponential"),
        (10, "node 'map': parameter 'maps': range [0.0, 100.0]: an exponential curve needs both ends on one side "
             "of 0")]
