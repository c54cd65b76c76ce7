"""``PatchView.grid_at`` right after a pan, before a frame has drawn it, in a real window: the canvas point under
the mouse moves with the pan at once, and the canvas offset it keeps for later (no node in view) stays right, a
middle-button drag (imnodes' own pan) included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_grid_at_right_after_a_pan_sees_the_pan_and_keeps_the_right_offset() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.grid_scenario")
    assert not result["dragged_any_visible"], result
    assert result["dragged_out_of_sight"] == pytest.approx(result["dragged_expected"]), result
    (bx, by), (dx, dy) = result["before"], result["pan"]
    assert (dx, dy) == (-120, 0), result  # Right: the drawing moved 120 px left
    assert result["right_after_pan"] == pytest.approx([bx - dx, by - dy]), result
    assert result["frames_later"] == result["right_after_pan"], result
    assert result["asked_twice"] == pytest.approx([bx - dx, by - dy + 120]), result  # then Down
    assert not result["any_node_visible"], result
    tx, ty = result["total_pan"]
    assert result["out_of_sight"] == pytest.approx([bx - tx, by - ty]), result
