"""A link dropped on its own node's pin that lies over another node's pin (own_pin_scenario.py, real mouse events on
the test display): imnodes makes no link, and the status bar says why."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_drop_on_the_own_nodes_pin_over_another_nodes_pin_says_why_no_link() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.own_pin_scenario")
    assert result["pins"][0] == result["pins"][1], result  # the sampler's pin lies on the slot map's
    assert result["links"] == [], result
    # It said nothing: the slot map's pin under the drop read as a link made (or refused by the model, which says).
    assert result["status"] == ("no link: sampler.loaded and sampler.assign are on the same node, and a node cannot "
                                "feed itself; map.take lies under that pin: move sampler off map to link there"), result
