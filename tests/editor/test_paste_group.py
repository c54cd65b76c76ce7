"""A group of linked nodes copied and pasted with Ctrl+V (paste_group_scenario.py, real keys on the test display):
each paste lands whole in view, its own layout kept, covering no node, after a pan, at home and in the compact
display, and in another patch opened; undo and redo bring the pasted nodes and their links back exactly."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_scenario("tests.editor.paste_group_scenario", str(tmp_path_factory.mktemp("paste-group")))


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.display
@pytest.mark.parametrize("where", ["far", "far_again", "home", "compact", "other"])
def test_a_pasted_group_lands_whole_in_view_on_no_node_in_its_own_layout(result: dict[str, Any],
                                                                         where: str) -> None:
    paste = {**result, "far_again": result["far"][1], "far": result["far"][0]}[where]
    assert paste["status"] == "pasted 3 nodes" and len(paste["new"]) == 3, paste
    left, top, width, height = paste["canvas"]
    for box in paste["rects"]:  # drawn whole inside the canvas (not cut at its right edge)
        assert box is not None and left <= box[0] and box[2] <= left + width, paste
        assert top <= box[1] and box[3] <= top + height, paste
    assert not [(a, b) for a in paste["rects"] for b in paste["others"] if overlap(a, b)], paste
    (x0, y0), copied = paste["positions"][0], result["copied"]
    assert [[x - x0, y - y0] for x, y in paste["positions"]] == [[x - copied[0][0], y - copied[0][1]]
                                                                 for x, y in copied], paste


@pytest.mark.display
def test_two_pastes_undone_and_redone_come_back_exactly(result: dict[str, Any]) -> None:
    states = result["states"]  # after the four pastes, then after Ctrl+Z, Ctrl+Z, Ctrl+Y, Ctrl+Y
    assert states[4] == states[0] and states[3] == states[1], states
    assert len(states[2]["nodes"]) == len(states[0]["nodes"]) - 6, states
    for state in states:
        assert state["links"] == state["drawn_links"], state
        assert all(state["drawn_at"][n] == position for n, (_, position) in state["nodes"].items()), state
    assert len(result["copied_links"]) == 2
    for paste in (*result["far"], result["home"], result["compact"]):
        assert sum(str(link).split(".")[0] in paste["new"] for link in states[0]["links"]) == 2, paste


@pytest.mark.display
def test_a_group_pasted_into_another_patch_keeps_its_links(result: dict[str, Any]) -> None:
    state = result["other_state"]
    assert result["other"]["new"] == ["trim", "pitch", "classifier"], result["other"]
    assert sorted(ln for ln in state["links"] if ln.startswith("trim.")) == result["copied_links"], state
    assert state["links"] == state["drawn_links"], state
