"""The editor on a (virtual) display: screenshots of the patch and performance views with text drawn.

The scenario runs in the scenarios' process (scenario_worker.py; a viewport without a display aborts Python).
Screenshots go to ``screenshots/`` at the top of the repository (git-ignored), for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.editor.scenario_worker import run_scenario

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"


@pytest.mark.display
def test_default_patch_runs_with_a_dog_bark_and_both_views_draw_it(esc50: Path) -> None:
    for name in ("patch_view.png", "performance_view.png"):
        (SCREENSHOTS / name).unlink(missing_ok=True)
    result = run_scenario("tests.editor.display_scenario", str(SCREENSHOTS))
    assert (SCREENSHOTS / "patch_view.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "performance_view.png").stat().st_size > 10_000
    assert result["frame_std"] > 0.03  # not a blank frame
    assert not result["errors"], result["errors"]
    # Every node of the default patch has light text in its title bar (the node's label).
    assert len(result["patch_titles"]) == 11  # with the groove (pattern node) since issue 19
    for node_id, pixels in result["patch_titles"].items():
        assert pixels > 20, f"no label drawn on node {node_id}: {result}"
    # The nodes show what flowed: the classifier's label, the slot the sampler loaded.
    live = result["patch_live"]
    assert live["classifier"].startswith("dog "), live
    assert result["classifier_live_pixels"] > 50
    assert "slot Bass" in live["sampler"] and "slot Bass" in live["map"], live
    # The performance view: the real sampler's Bass slot holds the dog, drawn in the label's green.
    assert result["slot_label"] == "dog" and result["slot_label_pixels"] > 20
    assert result["empty_slot_label"] == "-"
    assert result["blank_pixels"] == 0
    assert result["map_points"] == 1 and result["map_pixels"] > 50
    assert any(url.startswith("https://127.0.0.1:") for url in result["pairing_urls"]), result["pairing_urls"]
    assert result["pairing_pixels"] > 1000  # the QR code
