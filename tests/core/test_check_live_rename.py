"""`exsampling check` (and the run's start check, which shares it) warns of an ``ableton_osc`` whose 'name' action
renames the tracks an ``ableton_live`` beside it finds by their slot's name alone (eda36f8f, docs/ableton.md): the
slot's next takes were not loaded into Live, and check said "ok". Each from a real patch file."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.validate import load_patch_with_warnings

PATCH = """exsampling_patch: 1
nodes:
- id: live
  type: ableton_live
- id: aosc
  type: ableton_osc
  params:
    reply_port: 0
    actions: {actions}
{more}links: []
"""
TOLD = ("node 'aosc': its 'name' action renames each take's track in Live ('{slot} {label}': slot Snare's becomes "
        "'Snare kick'), and ableton_live (node 'live') loads takes only into a track named exactly after its slot: "
        "once renamed, that slot's next takes are not loaded into Live (leave 'name' out of its actions, as in "
        "actions: [color, fire]; color, volume and fire are fine beside ableton_live)")


def patch_file(tmp_path: Path, actions: str, more: str = "") -> Path:
    patch = tmp_path / "show.yaml"
    patch.write_text(PATCH.format(actions=actions, more=more), encoding="utf-8")
    return patch


def renamed(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:") and "'name' action" in line]


def test_check_warns_of_a_name_action_beside_ableton_live_at_its_actions_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = patch_file(tmp_path, "[name, color, fire]")
    assert main(["check", str(patch)]) == 0  # it runs: a warning, not a problem
    assert renamed(capsys.readouterr().err) == [f"warning: {patch}:9: {TOLD}"]


def test_the_run_s_start_check_tells_it_too(tmp_path: Path) -> None:
    patch = patch_file(tmp_path, "\n    - color\n    - name\n    - fire")
    warnings = load_patch_with_warnings(patch)[2]
    assert [str(w) for w in warnings if "'name' action" in w.message] == [f"{patch}:9: {TOLD}"]


@pytest.mark.parametrize(("actions", "more"), [
    ("[color, fire]", ""),  # no 'name': the tracks keep their slots' names
    ("[name, color, fire]", "    name_format: '{slot}'\n"),  # renamed to the slot's own name: found all the same
])
def test_no_warning_where_the_tracks_keep_their_slots_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], actions: str, more: str) -> None:
    patch = patch_file(tmp_path, actions, more)
    assert main(["check", str(patch)]) == 0
    assert renamed(capsys.readouterr().err) == []


def test_no_warning_without_ableton_live(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "show.yaml"
    patch.write_text(PATCH.format(actions="[name, color, fire]", more="").replace(
        "- id: live\n  type: ableton_live\n", ""), encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert renamed(capsys.readouterr().err) == []
