"""The slot map's backlog warning says only the side that waits: a burst of takes ahead of their classifier was
told "9 takes wait for their predictions and 0 predictions for their takes", its second half a puzzle to a
performer reading it mid-show."""

from __future__ import annotations

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.classify import SlotMap
from tests.nodes.test_classify_gate import HATS, prediction
from tests.nodes.test_classify_map import warnings


def _map(max_waiting: int) -> tuple[SlotMap, NodeContext]:
    context = NodeContext()
    context.linked_inputs.update(("take", "rejected"))  # no hint: the warning's counts alone
    node = SlotMap("map", {"table": HATS, "max_waiting": max_waiting}, context)
    node.start()
    return node, context


def test_takes_ahead_of_their_predictions_are_said_without_the_predictions_none_of_which_wait() -> None:
    node, context = _map(8)
    for _ in range(9):
        node.handle("take", prediction(("dog", 0.9)).take)
    assert warnings(context) == ["9 takes wait for their predictions, more than max_waiting (8); all are kept"]


def test_predictions_ahead_of_their_takes_are_said_so() -> None:
    node, context = _map(2)
    for _ in range(3):
        node.handle("prediction", prediction(("dog", 0.9)))
    assert warnings(context) == ["3 predictions wait for their takes, more than max_waiting (2); all are kept"]


def test_both_sides_waiting_are_both_said_and_one_is_said_in_the_singular() -> None:
    node, context = _map(2)
    node.handle("prediction", prediction(("dog", 0.9)))
    for _ in range(3):
        node.handle("take", prediction(("dog", 0.9)).take)
    assert warnings(context) == [
        "3 takes wait for their predictions and 1 prediction waits for its take, more than max_waiting (2); all are "
        "kept"]
