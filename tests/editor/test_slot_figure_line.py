"""A slot map's live line says the slot's summed figure only where it reads differently from the label's: a rain take
at 99.6% summed to 99.9% for its slot read "rain 100%  |  slot Wind 100%", a second figure for nothing, beside
"dog 99%  |  slot Bass" (plain Python: the runtime observer fed the map's statuses)."""

from __future__ import annotations

from typing import Any

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.runtime import NodeStatus


def line(status: dict[str, Any]) -> str:
    observer = RuntimeObserver()
    observer.on_event(NodeStatus("map", status))
    observer.apply()
    return live_text(observer.nodes["map"])


def test_a_slot_figure_that_reads_as_the_labels_is_not_said_again() -> None:
    assert line({"take": "t1", "label": "rain", "confidence": 0.996, "slot": "Wind", "slot_confidence": 0.999}) \
        == "rain 100%  |  slot Wind"


def test_a_slot_figure_that_differs_is_said_as_the_slots() -> None:
    assert line({"take": "t1", "label": "snare", "confidence": 0.88, "slot": "Snare", "slot_confidence": 0.95}) \
        == "snare 88%  |  slot Snare 95%"
