"""`exsampling check` tells of a pattern's own clock switches (``link``, ``follow_midi_clock``, ``start_stop_sync``)
on beside a ``clock`` that names no pattern node: it goes by that clock, whatever it names, so they are not used.
Before, check told only that the clock named no pattern node, though the docs list both warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main

PATCH = """exsampling_patch: 1
nodes:
- id: groove
  type: pattern
  params: {patterns: {BD: x... x... x... x...}}
- id: fills
  type: pattern
  params:
    clock: %s
    link: true
    patterns: {HH: x.x.}
- id: out
  type: midi_out
  params: {virtual_port: ''}
links:
- groove.midi -> out.midi
- fills.midi -> out.midi
"""


def warnings_of(tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: str) -> list[str]:
    patch = tmp_path / "show.yaml"
    patch.write_text(PATCH % clock, encoding="utf-8")
    assert main(["check", str(patch)]) == 0  # it runs: warnings, not problems
    return [line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]


def test_link_beside_a_clock_naming_no_pattern_node_is_told_with_the_clock(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "show.yaml"
    assert warnings_of(tmp_path, capsys, "grove") == [
        f"{patch}:9: node 'fills': clock 'grove' is no pattern node of this patch: the beat clock it goes by would "
        "never come (did you mean 'groove'?)",
        f"{patch}:10: node 'fills': link is not used: it plays by clock 'grove', not by a beat clock of its own (set "
        "it on the pattern node clock names, or leave clock empty)"]


def test_link_beside_a_clock_naming_the_node_itself_is_told_with_the_clock(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "show.yaml"
    warnings = warnings_of(tmp_path, capsys, "fills")
    assert len(warnings) == 2 and "clock 'fills' is this node itself" in warnings[0], warnings
    assert warnings[1].startswith(f"{patch}:10: node 'fills': link is not used: it plays by clock 'fills'"), warnings


def test_link_beside_a_clock_naming_a_pattern_node_keeps_its_one_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "show.yaml"
    assert warnings_of(tmp_path, capsys, "groove") == [
        f"{patch}:10: node 'fills': link is not used: it plays by clock 'groove' (its tempo, bars, start and stop) "
        "(set it on 'groove', or leave clock empty)"]


def test_link_on_a_pattern_in_a_circle_of_clocks_is_told_with_the_circle(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "show.yaml"
    patch.write_text(PATCH.replace("params: {patterns: {BD:", "params: {clock: fills, patterns: {BD:") % "groove",
                     encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    warnings = [line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3 and "goes round a circle of clocks" in warnings[1], warnings
    assert warnings[2].startswith(f"{patch}:10: node 'fills': link is not used: it plays by clock 'groove', not by a "
                                  "beat clock of its own"), warnings
