"""The console's take line says a label in words, as the phone page does ("hihat closed 61%"): it printed the model's
identifier ("hihat_closed 61%"), so a take read one way on the phone and another on the stage's screen."""

from __future__ import annotations

import io

import numpy as np

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import Prediction, Score, Take
from exsampling_patch.nodes.classify import ConfidenceGate, SlotMap
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import NodeStatus, TakeEnded
from exsampling_patch.wording import end_in_words, label_words, named_label


def told(heard: Score, *nodes: ConfidenceGate | SlotMap) -> tuple[StageConsole, io.StringIO]:
    """A console told what the real ``nodes`` reported of take "T", heard as ``heard``, each passing on what the one
    before it sent."""
    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    message: object = Prediction(Take(np.zeros(4800, np.float32), 48000, take_id="T"), (heard,))
    for node in nodes:
        node.start()
        node.handle("prediction", message)
        for status in node.context.statuses:
            console(NodeStatus(node.node_id, status))
        if node.context.emitted:
            message = node.context.emitted[0][1]
    return console, err


def test_a_label_with_an_underscore_is_printed_as_words() -> None:
    gate, slot_map = ConfidenceGate("gate", {"threshold": 0.5}), SlotMap("map", {})
    console, err = told(Score("hihat_closed", 0.61), gate, slot_map)
    ((port, assigned),) = slot_map.context.emitted
    assert port == "slot" and assigned.slot == "HH"
    console(TakeEnded("map", take_id="T", recorder="", fate="slot", reason="slot HH", slots=("HH",), seconds=0.004))
    assert err.getvalue().endswith(" take T: hihat closed 61% -> HH (4 ms)\n"), err.getvalue()


def test_the_label_a_gate_was_not_sure_of_is_printed_as_words_once() -> None:
    """With the label in words and the gate's reason not, the line said both: "glass breaking 31%, rejected: not sure
    (glass_breaking 31%)"."""
    gate = ConfidenceGate("gate", {"threshold": 0.5})
    console, err = told(Score("glass_breaking", 0.31), gate)
    ((fate, reason),) = gate.context.fates
    assert reason == "rejected: not sure (glass_breaking 31%)"  # the data keeps the identifier
    console(TakeEnded("gate", take_id="T", recorder="", fate=fate, reason=reason, seconds=0.004))
    assert err.getvalue().endswith(" take T: rejected: not sure (glass breaking 31%) (4 ms)\n"), err.getvalue()


def test_the_words_are_the_phone_pages() -> None:
    """As ``words`` and ``endInWords`` in nodes/web_recorder/static/takes.js: every underscore, and only the label a
    gate names first."""
    assert label_words("choir_voice_low") == "choir voice low"
    assert end_in_words("rejected: not sure (hihat_closed 25%, HH 31%)") == \
        "rejected: not sure (hihat closed 25%, HH 31%)"
    assert end_in_words("error in trim_a: not sure (x_y 1%)") == "error in trim_a: not sure (x y 1%)"


def test_a_label_whose_text_is_in_another_label_the_gate_named_is_still_printed() -> None:
    """The label went unsaid wherever its text was in the reason's: "hat 50%" in "not sure (hihat 50%)" (a take heard
    as one label, ended by a gate that judged another: a custom classifier's pair, two heads)."""
    console, err = told(Score("hat", 0.5))
    console(NodeStatus("classifier", {"take": "T", "label": "hat", "confidence": 0.5}))
    console(TakeEnded("gate", take_id="T", recorder="", fate="rejected", reason="rejected: not sure (hihat 50%)",
                      seconds=0.004))
    assert err.getvalue().endswith(" take T: hat 50%, rejected: not sure (hihat 50%) (4 ms)\n"), err.getvalue()
    assert named_label("rejected: not sure (hihat closed 50%, HH 55%)") == "hihat closed"
    assert named_label("no slot for hat") is None
