"""A click on a link makes it the selection alone, marked nodes included (link_click_scenario.py, real mouse
events): the Delete key after it deleted the nodes an undo had brought back too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_click_on_a_link_drops_the_marked_nodes_so_delete_takes_the_link_alone() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.link_click_scenario")
    assert result["marked"] == ["spare"], result  # the undo brought it back marked as the selection
    assert result["clicked_links"] == ["inbox.take -> library.take"] and result["selection"] == [], result
    assert result["nodes"] == ["inbox", "library", "spare"] and result["links"] == [], result
    assert result["status"] == "deleted 1 link", result
