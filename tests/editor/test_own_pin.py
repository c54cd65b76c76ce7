"""A link dropped on its own node's pin that lies over another node's pin (own_pin_scenario.py, real mouse events on
the test display): imnodes makes no link, and the status bar says why."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.own_pin_scenario")


@pytest.mark.display
def test_a_drop_on_the_own_nodes_pin_over_another_nodes_pin_says_why_no_link(result: dict[str, Any]) -> None:
    assert result["pins"][0] == result["pins"][1], result  # the sampler's pin lies on the slot map's
    assert result["links"] == [], result
    # It said nothing: the slot map's pin under the drop read as a link made (or refused by the model, which says).
    assert result["status"] == ("no link: sampler.loaded and sampler.assign are on the same node, and a node cannot "
                                "feed itself; map.take lies under that pin: move sampler off map to link there"), result


@pytest.mark.display
def test_no_false_hint_where_imnodes_links_the_other_nodes_pin(result: dict[str, Any]) -> None:
    """Outputs overlapping the same way: imnodes has the slot map's output under the mouse (a pin on a node's right
    edge is not inside the node drawn over it), and links it. Read off the pin imnodes had, not guessed from which
    node is on top: the link is told as made."""
    assert result["output_pins"][0] == result["output_pins"][1], result
    assert result["links_from_input"] == ["map.slot -> sampler.assign"], result
    assert result["status_from_input"] == "linked map.slot -> sampler.assign", result
