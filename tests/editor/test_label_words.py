"""The editor says a take's class in words, as the phone page and the stage console do ("hihat closed 90%"): it
printed the model's identifier ("hihat_closed 90%") on the nodes' live lines, the last take's line, the slot's
label and the takes' map. A real patch (gate, slot map, a sampler rendering nothing) runs in the editor."""

from __future__ import annotations

import time
from pathlib import Path

import dearpygui.dearpygui as dpg
import numpy as np

from exsampling_patch import Location, Prediction, Score, Take
from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.live import TakePoint
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.editor.perf_view import last_take_text
from exsampling_patch.editor.slots import fate_text, fate_word
from tests.editor.harness import open_editor

PATCH = """exsampling_patch: 1
name: label words
nodes:
- id: gate
  type: confidence_gate
  params:
    threshold: 0.5
- id: map
  type: slot_map
- id: sampler
  type: sampler
  params:
    device: none
    virtual_port: ''
links:
- gate.passed -> map.prediction
- gate.rejected -> map.rejected
- map.slot -> sampler.assign
"""


def classified(app: EditorApp, label: str, confidence: float, take_id: str) -> None:
    """A take classified ``label`` at ``confidence``, into the gate; the perf view refreshed once it ended."""
    engine = app.runner.engine
    assert engine is not None
    rate = 48000
    tone = (0.5 * np.sin(2 * np.pi * 220.0 * np.arange(rate // 2) / rate)).astype(np.float32)
    take = Take(tone, rate, take_id=take_id, source="Ana", location=Location(48.85, 2.35))
    engine.inject("gate", "prediction", Prediction(take, (Score(label, confidence),)), source="phone")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        app.observer.apply()
        point = app.observer.takes.get(take_id)
        if point is not None and point.end is not None:
            break
        time.sleep(0.02)
    assert engine.wait_idle(10, settle=0.05)
    app.observer.apply()
    app.perf_view.refresh()


def test_the_editor_says_a_takes_class_in_words(tmp_path: Path) -> None:
    path = tmp_path / "words.yaml"
    path.write_text(PATCH)
    with open_editor(path) as app:
        assert app.run_patch(), app.status
        view, nodes = app.perf_view, app.observer.nodes
        classified(app, "choir_voice", 0.9, "choir-1")
        assert live_text(nodes["gate"]) == "choir voice 90%"
        assert live_text(nodes["map"]).startswith("choir voice 90%  |  slot Chorus")
        assert live_text(nodes["sampler"]).startswith("choir voice  |  slot Chorus")
        assert dpg.get_value("perf:last_take") == "last take choir-1 from Ana: choir voice 90%: loaded in slot Chorus"
        # The slot's cell in words; its tooltip with the identifier the slot map's table is edited with.
        assert dpg.get_value(view._slot_tag("sampler", "Chorus", "label")) == "choir voice"
        assert dpg.get_value(view._slot_tag("sampler", "Chorus", "label_tip")) == \
            "choir voice (choir_voice in the slot map)"
        drawn = [dpg.get_item_configuration(item).get("text") for item in dpg.get_item_children("perf:map", 2)]
        assert "choir voice" in drawn, drawn  # the take's point on the map

        classified(app, "glass_breaking", 0.31, "glass-1")
        assert live_text(nodes["gate"]) == "rejected: not sure (glass breaking 31%)"
        assert live_text(nodes["map"]) == "rejected: not sure (glass breaking 31%)"
        # The label once: the rejection names it (it read "glass breaking 31%: rejected: not sure (glass ...)").
        assert dpg.get_value("perf:last_take") == "last take glass-1 from Ana: rejected: not sure (glass breaking 31%)"


def test_a_slot_rows_fate_says_the_label_in_words() -> None:
    # What became of a slot's last take, as its TakeEnded told it (the row's cell and its tooltip).
    end = "rejected: not sure (mouth_sounds 49%)"
    assert fate_word("rejected", end) == "rejected: not sure (mouth sounds 49%)"
    assert fate_text("Ana-1", "rejected", end) == "Ana-1 rejected: not sure (mouth sounds 49%)"


def test_the_last_take_line_drops_only_the_label_its_end_names() -> None:
    # The label is said once where the gate's reason names it, and only then: a label that ends the one the reason
    # names is another class ("hat 50%" was dropped as said in "not sure (hihat 50%)").
    def line(label: str, end: str) -> str:
        return last_take_text(TakePoint("t-1", "Ana", label=label, confidence=0.5, fate="rejected", end=end))

    assert line("hat", "rejected: not sure (hihat 50%)") == \
        "last take t-1 from Ana: hat 50%: rejected: not sure (hihat 50%)"
    assert line("hihat", "rejected: not sure (hihat 50%)") == "last take t-1 from Ana: rejected: not sure (hihat 50%)"
    # A slot's summed probability judged: the reason names the label first.
    assert line("hihat_closed", "rejected: not sure (hihat_closed 50%, HH 31%)") == \
        "last take t-1 from Ana: rejected: not sure (hihat closed 50%, HH 31%)"
