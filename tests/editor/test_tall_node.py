"""A node added beside a tall one is placed clear of its real size (tall_node_scenario.py, real mouse events)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_node_added_just_above_a_tall_node_does_not_cover_it() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.tall_node_scenario")
    assert result["popup"] and result["added"] is not None, result
    (sx0, sy0, sx1, sy1), (ax0, ay0, ax1, ay1) = result["sampler"], result["added"]
    # Every node was taken for 240x110: the relay went 110 below the sampler's top, over its lower pins.
    assert ax1 <= sx0 or sx1 <= ax0 or ay1 <= sy0 or sy1 <= ay0, result
