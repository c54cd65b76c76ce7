"""A link dropped on a pin that lies over another node's pin (covered_pin_scenario.py, real mouse events on the test
display): the link imnodes makes is told as made, not as refused for the pin under it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.covered_pin_scenario")


@pytest.mark.display
def test_a_link_made_over_a_covered_pin_is_told_as_made(result: dict[str, Any]) -> None:
    assert result["pins"][0] == result["pins"][1], result  # the sampler's pin lies on the slot map's
    assert result["links"] == ["map.slot -> sampler.assign"], result
    assert result["status"] == "linked map.slot -> sampler.assign", result
