"""C fits the patch to the view as Home does, with the nodes as they are drawn in the display switched to
(compact_fit_scenario.py, real keys on the test display). It fitted the nodes' corners, before the nodes drawn
anew had a size: back at full size, a two-node row that fits the canvas was cut at its right edge, and the status
said "the whole patch is in view"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_scenario("tests.editor.compact_fit_scenario", str(tmp_path_factory.mktemp("compact-fit")))


@pytest.mark.display
@pytest.mark.parametrize("step", ["compact", "full"])
def test_c_shows_a_patch_that_fits_whole_centred_as_home_does(result: dict[str, Any], step: str) -> None:
    seen = result[step]
    assert seen["compact"] == (step == "compact"), seen
    left, top, width, height = seen["canvas"]
    for x0, y0, x1, y1 in seen["rects"]:
        assert left <= x0 and x1 <= left + width and top <= y0 and y1 <= top + height, seen
    assert seen["status"] == "the whole patch is in view", seen
    if step == "full":
        assert seen["pan"] == result["home"]["pan"], result  # Home after it moves nothing
    x0, x1 = min(r[0] for r in seen["rects"]), max(r[2] for r in seen["rects"])
    assert abs((x0 - left) - (left + width - x1)) <= 2, seen  # centred
