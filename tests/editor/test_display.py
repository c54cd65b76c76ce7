"""The editor on a (virtual) display: screenshots of the patch and performance views with text drawn.

The scenario runs in a subprocess (a viewport without a display aborts Python). Screenshots go to
``screenshots/`` at the top of the repository (git-ignored), for people to look at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"


@pytest.mark.display
def test_patch_and_performance_views_draw_labels() -> None:
    for name in ("patch_view.png", "performance_view.png"):
        (SCREENSHOTS / name).unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "tests.editor.display_scenario", str(SCREENSHOTS)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env={**os.environ})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (SCREENSHOTS / "patch_view.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "performance_view.png").stat().st_size > 10_000
    assert result["frame_std"] > 0.03  # not a blank frame
    # Every node's title bar has light text in it (the node's label).
    for node_id, pixels in result["patch_titles"].items():
        assert pixels > 20, f"no label drawn on node {node_id}: {result}"
    # The labeller node shows what flowed, and the performance view the take's label in its slot.
    assert result["patch_live_label"].startswith("dog bark 92%")
    assert result["patch_live_pixels"] > 50
    assert result["slot_label"] == "dog bark"
    assert result["slot_label_pixels"] > result["other_slot_label_pixels"] > 20  # "dog bark" is longer than "rain"
    assert result["blank_pixels"] == 0
    assert result["map_points"] == 2 and result["map_pixels"] > 50
