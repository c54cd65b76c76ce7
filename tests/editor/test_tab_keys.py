"""Delete, cut, duplicate, select all and the view keys leave the patch alone while the Performance tab hides it
(tab_keys_scenario.py, real clicks and keys on the test display)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool (scripts/bootstrap.sh installs it)")
def test_keys_on_the_performance_tab_leave_the_hidden_patch_alone() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.tab_keys_scenario")
    assert result["selected"] == ["gate"] and result["tab"], result
    assert result["nodes_kept"] and result["pan_kept"] and not result["dirty"], result
    assert result["selected_back"] == ["gate"] and result["deleted_on_patch_tab"], result  # the Patch tab's own
