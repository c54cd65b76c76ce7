"""A slot map's figure is said as the slot's: "snare 88%  |  slot Snare 95%", not "snare 95%".

With ``choose: slot`` the map goes by the slot's labels summed (snare 0.88 + clap_snap 0.07 make Snare 0.95). It
reported that sum as the label's confidence, so its line and the editor's performance view said "snare 95%" while
the classifier said "snare 88%": two confidences for one label. A gate judging slots words the sum as the slot's
("not sure (hihat_closed 25%, HH 31%)"); the map now does the same.
"""

from __future__ import annotations

import numpy as np
import pytest

from exsampling_patch import Prediction, Score, SlotAssignment, Take
from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.nodes.classify import SlotMap
from exsampling_patch.runtime import MessageHop, NodeStatus


def snare() -> Prediction:
    take = Take(np.zeros(100, np.float32), 16000)
    return Prediction(take, (Score("snare", 0.88), Score("clap_snap", 0.07), Score("dog", 0.05)))


def test_the_maps_line_says_the_label_as_the_classifier_did_and_the_slots_sum_as_the_slots() -> None:
    node = SlotMap("map", {})
    node.start()
    prediction = snare()
    node.handle("prediction", prediction)
    status = node.context.statuses[-1]
    assert status["label"] == "snare" and status["confidence"] == pytest.approx(0.88)
    assert status["slot"] == "Snare" and status["slot_confidence"] == pytest.approx(0.95)
    assignment: SlotAssignment = node.context.emitted[0][1]
    assert assignment.confidence == pytest.approx(0.95)  # the assignment keeps what the slot was chosen by

    observer = RuntimeObserver()
    take_id = prediction.take.take_id
    observer.on_event(NodeStatus("classifier", {"take": take_id, "label": "snare", "confidence": 0.88}))
    observer.on_event(MessageHop("classifier", port="prediction", target="map", target_port="prediction",
                                 message=prediction))
    observer.on_event(NodeStatus("map", status))
    observer.on_event(MessageHop("map", port="slot", target="sampler", target_port="assign", message=assignment))
    observer.apply()
    assert live_text(observer.nodes["map"]) == "snare 88%  |  slot Snare 95%"
    point = observer.takes[take_id]
    assert (point.label, point.confidence) == ("snare", pytest.approx(0.88))  # the performance view's figure
    # The next take's line keeps nothing of this one's slot figure.
    observer.on_event(NodeStatus("map", {"take": "t2", "label": "dog", "confidence": 0.9, "slot": "Bass"}))
    observer.apply()
    assert live_text(observer.nodes["map"]) == "dog 90%  |  slot Bass"


def test_a_map_choosing_by_label_says_one_figure() -> None:
    node = SlotMap("map", {"choose": "label"})
    node.start()
    node.handle("prediction", snare())
    status = node.context.statuses[-1]
    assert status["confidence"] == pytest.approx(0.88) and "slot_confidence" not in status
