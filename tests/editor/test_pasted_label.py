"""A pasted group keeps its nodes clear of each other (pasted_label_scenario.py, real keys and mouse on the test
display): a pasted node's id says its type (``confidence_gate_2``), so its title does not add the type again and
make it wider than the node copied, covering the pins of the pasted node beside it."""

from __future__ import annotations

from typing import Any

import pytest

from exsampling_patch.editor.patch_view import node_label
from tests.editor.test_keys import run_scenario


def test_a_title_names_the_type_only_where_the_id_does_not() -> None:
    assert node_label("confidence_gate_2", "confidence_gate") == "confidence_gate_2"
    assert node_label("trim", "trim") == "trim"
    assert node_label("gate", "confidence_gate") == "gate : confidence_gate"
    assert node_label("trim_x", "trim") == "trim_x : trim"


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.pasted_label_scenario")


@pytest.mark.display
def test_pasted_nodes_are_as_wide_as_those_copied_and_a_link_reaches_their_pins(result: dict[str, Any]) -> None:
    gate, pasted = result["copied"]["confidence_gate"], result["pasted"]
    assert pasted["confidence_gate_2"][2] - pasted["confidence_gate_2"][0] == gate[2] - gate[0], result
    assert pasted["confidence_gate_2"][2] < pasted["slot_map_2"][0], result  # the map's input pins are clear
    assert "confidence_gate_2.rejected -> slot_map_2.rejected" in result["links"], result
