"""`exsampling run` refuses a patch with every problem `exsampling check` tells, at the same lines: a performer fixing a
patch before the show sees them all at once, whichever of the two was typed.

Before, run stopped at the problems found while reading (a misspelt ``tipe:``) and told a link to a misspelt node only
after those were fixed; check told both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main

RUN = ["--for", "0.1", "--log", "-", "--show-log", "none"]


def told(argv: list[str], capsys: pytest.CaptureFixture[str], stream: str) -> list[str]:
    """The problem lines ``argv`` printed on ``stream``, the command having failed with status 1."""
    assert main(argv) == 1
    text = getattr(capsys.readouterr(), stream)
    return [line for line in text.splitlines() if not line.startswith("warning:")]


def test_run_tells_every_problem_check_tells_at_the_same_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n  params: {folder: in}\n"
                     "- id: writer\n  tipe: take_writer\n  params: {folder: out}\n- id: log\n  type: log\n"
                     "links:\n- inbox.take -> lgo.message\n", encoding="utf-8")
    checked = told(["check", str(patch)], capsys, "out")
    assert checked == [
        f"{patch}:6: node 'writer' needs a 'type' (`.venv/bin/exsampling nodes` lists the types)",
        f"{patch}:7: unknown node key 'tipe' (did you mean 'type'? a node has id, type, position, params)",
        f"{patch}:12: link inbox.take -> lgo.message: no node with id 'lgo'; did you mean 'log'?",
    ], checked
    assert told(["run", str(patch), *RUN], capsys, "err") == checked


def test_run_tells_a_link_problem_with_a_bare_link_end_as_check_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A problem the reading finds whose hint takes the node types (a bare end) and one only the checks find.
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: trim\n  type: trim\n- id: log\n  type: log\n"
                     "  params: {prefx: x}\nlinks:\n- trim -> log.message\n", encoding="utf-8")
    checked = told(["check", str(patch)], capsys, "out")
    assert [line.split(": ")[0] for line in checked] == [f"{patch}:7", f"{patch}:9"], checked
    assert told(["run", str(patch), *RUN], capsys, "err") == checked


def test_run_refusing_a_patch_tells_the_warnings_check_tells_beside_its_problems(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The refusal told the problems alone: the performer fixing them missed the renamed tracks until the next start.
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: live\n  type: ableton_live\n- id: aosc\n  type: ableton_osc\n"
                     "  params:\n    reply_port: 0\n    actions: [name, color, fire]\n- id: log\n  type: log\n"
                     "  params: {prefx: x}\nlinks: []\n", encoding="utf-8")

    def warned() -> list[str]:
        return [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]

    assert main(["check", str(patch)]) == 1
    checked = warned()
    assert [line.split(": ")[1] for line in checked] == [f"{patch}:9"], checked
    assert "'name' action renames each take's track" in checked[0]
    assert main(["run", str(patch), *RUN]) == 1
    assert warned() == checked
