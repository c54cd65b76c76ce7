"""`exsampling check` warns of a pattern that follows MIDI clock with nothing linked to its sync input: it waits for
a master's start that cannot come, so the groove never plays, and check said "ok"."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main

PATCH = """exsampling_patch: 1
nodes:
- id: master
  type: midi_in
  params: {virtual_port: ''}
- id: groove
  type: pattern
  params: {follow_midi_clock: %s, patterns: {BD: x... x... x... x...}}
- id: out
  type: midi_out
  params: {virtual_port: ''}
links:
- groove.midi -> out.midi
"""


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], follow: str, links: str = "") -> list[str]:
    patch = tmp_path / "show.yaml"
    patch.write_text(PATCH % follow + links, encoding="utf-8")
    assert main(["check", str(patch)]) == 0  # it runs: a warning, not a problem
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]


def test_a_pattern_following_midi_clock_with_nothing_linked_to_sync_is_warned_of_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warnings = check(tmp_path, capsys, "true")
    assert len(warnings) == 1, warnings
    assert "node 'groove': with follow_midi_clock on it goes by what comes to 'sync', but nothing is linked to " \
        "'sync'" in warnings[0] and "show.yaml:6:" in warnings[0], warnings


def test_a_pattern_following_a_linked_clock_or_its_own_tempo_is_not_warned_of(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tmp_path, capsys, "true", "- master.midi -> groove.sync\n") == []
    assert check(tmp_path, capsys, "false") == []


CLOCKS = """exsampling_patch: 1
nodes:
- id: groove
  type: pattern
  params: {patterns: {BD: x... x... x... x...}}
- id: fills
  type: pattern
  params: {clock: %s, steps_per_beat: 3, patterns: {HH: x.x}}
- id: ticks
  type: midi_clock
  params: {clock: %s}
- id: sampler
  type: sampler
  params: {device: none, virtual_port: '', clock: %s}
links:
- groove.midi -> sampler.midi
- fills.midi -> sampler.midi
"""


def test_a_clock_naming_no_pattern_node_is_warned_of_at_its_line(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A pattern following a clock that no node gives never played, a midi_clock sent nothing, a sampler's groove
    did not wait for its stream: check said "ok" of a misspelt id."""
    patch = tmp_path / "show.yaml"
    patch.write_text(CLOCKS % ("grove", "fills", "''"), encoding="utf-8")
    assert main(["check", str(patch)]) == 0  # it runs: a warning, not a problem
    err = capsys.readouterr().err
    assert [line.split(": ", 1)[1] for line in err.splitlines() if line.startswith("warning:")] == [
        f"{patch}:8: node 'fills': clock 'grove' is no pattern node of this patch: the beat clock it goes by would "
        "never come (did you mean 'groove'?)"]
    patch.write_text(CLOCKS % ("fills", "nope", "groove"), encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2 and "node 'fills': clock 'fills' is this node itself" in warnings[0], warnings
    assert ":11: node 'ticks': clock 'nope' is no pattern node" in warnings[1], warnings
    patch.write_text(CLOCKS % ("groove", "fills", "''"), encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert "warning" not in capsys.readouterr().err


PLUGIN_CLOCK = '''from exsampling_patch import Node, Param


class WordClock(Node):
    """A device's word clock (a plugin's meaning of "clock"): no pattern node."""

    type_name = "word_clock_in"
    clock = Param(str, "", "the word clock's source: internal, spdif or adat")
'''


def test_a_plugin_clock_that_names_no_pattern_node_is_not_warned_of(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A plugin node whose clock parameter means something else than a pattern node to follow: no warning.
    Before, check warned that its 'spdif' was no pattern node of the patch."""
    (tmp_path / "my-nodes").mkdir()
    (tmp_path / "my-nodes" / "word_clock.py").write_text(PLUGIN_CLOCK, encoding="utf-8")
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs: [my-nodes]\nnodes:\n- id: groove\n  type: pattern\n"
                     "  params: {patterns: {BD: x...}}\n- id: word\n  type: word_clock_in\n  params: {clock: spdif}\n"
                     "links: []\n", encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert "warning" not in capsys.readouterr().err


CIRCLE = """exsampling_patch: 1
nodes:
- id: groove
  type: pattern
  params: {clock: fills, patterns: {BD: x... x... x... x...}}
- id: fills
  type: pattern
  params: {clock: groove, patterns: {HH: x.x.}}
- id: sampler
  type: sampler
  params: {device: none, virtual_port: '', clock: groove}
links:
- groove.midi -> sampler.midi
- fills.midi -> sampler.midi
"""


def test_pattern_nodes_following_each_others_clock_round_are_warned_of(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Two pattern nodes each by the other's clock: each plays by the stopped clock the other publishes, and neither
    ever plays (nor the sampler's groove waits). Before, check said "ok"."""
    patch = tmp_path / "show.yaml"
    patch.write_text(CIRCLE, encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    warnings = [line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines()
                if line.startswith("warning:")]
    assert warnings == [
        f"{patch}:5: node 'groove': clock 'fills' goes round a circle of clocks (fills -> groove -> fills): none of "
        "them has a beat clock of its own, so the one it goes by would never come (leave clock empty on one of "
        "them: the others follow its beat)",
        f"{patch}:8: node 'fills': clock 'groove' goes round a circle of clocks (groove -> fills -> groove): none of "
        "them has a beat clock of its own, so the one it goes by would never come (leave clock empty on one of "
        "them: the others follow its beat)",
        f"{patch}:11: node 'sampler': clock 'groove' goes round a circle of clocks (groove -> fills -> groove): none "
        "of them has a beat clock of its own, so the one it goes by would never come (leave clock empty on one of "
        "them: the others follow its beat)"], warnings
    patch.write_text(CIRCLE.replace("clock: fills, ", ""), encoding="utf-8")  # groove keeps its own: fills follows it
    assert main(["check", str(patch)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_pattern_on_another_clock_is_told_its_own_clock_switches_are_not_used(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A pattern with a clock goes by that node's beat clock, whatever its follow_midi_clock and link say. Before,
    check said a follow_midi_clock one "would wait for ever" for its sync input (it played), and nothing of link."""
    patch = tmp_path / "show.yaml"
    patch.write_text(CLOCKS.replace("steps_per_beat: 3,", "follow_midi_clock: true, link: true, steps_per_beat: 3,")
                     % ("groove", "fills", "''"), encoding="utf-8")
    assert main(["check", str(patch)]) == 0  # it runs: a warning, not a problem
    assert [line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")] == [
        f"{patch}:8: node 'fills': follow_midi_clock and link are not used: it plays by clock 'groove' (its tempo, "
        "bars, start and stop) (set them on 'groove', or leave clock empty)"]


def test_a_bar_swap_or_a_midi_clock_in_a_patch_without_a_pattern_node_is_warned_of(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Both go by whichever pattern node's beat clock runs: with none in the patch (the sampler played from a drum
    machine), a take swapped in at once mid-bar and a midi_clock sent nothing, and check said "ok"."""
    patch = tmp_path / "show.yaml"
    text = ("exsampling_patch: 1\nnodes:\n- id: sampler\n  type: sampler\n  params:\n    device: none\n"
            "    virtual_port: ''\n    swap: %s\n- id: ticks\n  type: midi_clock\n")
    patch.write_text(text % "bar", encoding="utf-8")
    assert main(["check", str(patch)]) == 0  # it runs: a warning, not a problem
    assert [line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")] == [
        f"{patch}:8: node 'sampler': swap 'bar' waits for a pattern node's bar, and this patch has none: each take "
        "would swap in at once (add a pattern node, or swap: now)",
        f"{patch}:9: node 'ticks': it sends the beat clock of a pattern node, and this patch has none: it would send "
        "nothing (add the pattern node whose tempo it is to send)"]
    patch.write_text((text % "now") + "- id: groove\n  type: pattern\n  params: {patterns: {BD: x...}}\n",
                     encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_clock_linked_to_sync_with_follow_midi_clock_off_is_warned_of_at_its_link(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A drum machine's clock linked to a pattern's sync input, follow_midi_clock left off: the groove played on its
    own tempo, the master's clock unused, and check said "ok"."""
    warnings = check(tmp_path, capsys, "false", "- master.midi -> groove.sync\n")
    assert [line.split(": ", 1)[1] for line in warnings] == [
        f"{tmp_path / 'show.yaml'}:14: node 'groove': 'sync' is linked, but follow_midi_clock is off: what comes "
        "there is not used (set follow_midi_clock: true)"]


def test_a_pattern_following_midi_clock_with_link_on_is_told_link_is_not_used(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """follow_midi_clock wins over link (the node joins no Link session): a performer who turned both on, to play in
    time with the drum machine and the laptop beside it, heard no Link session joined and check said "ok"."""
    warnings = check(tmp_path, capsys, "true, link: true, start_stop_sync: true", "- master.midi -> groove.sync\n")
    assert [line.split(": ", 1)[1] for line in warnings] == [
        f"{tmp_path / 'show.yaml'}:8: node 'groove': link and start_stop_sync are not used: with follow_midi_clock "
        "on it plays by the MIDI clock that comes to 'sync' and joins no Link session (turn follow_midi_clock off to "
        "play in time with a Link session, or link off)"]
    assert check(tmp_path, capsys, "true, start_stop_sync: false", "- master.midi -> groove.sync\n") == []
    assert check(tmp_path, capsys, "false, link: true", "") == []
