"""A take whose end was told "not loaded into Live" that Live then loads, its load answered in time. Sent while Live was
silent, the take ended "not loaded"; Live came back, the load went again and Live answered it at once. The Live node
named the take ``loaded_after_all`` beside ``live_loaded``, with no warning (its load was not overdue), and the
console said only warnings of it (and that word alone, of an old node's), so it said nothing: the performer's last
word on the take was "not loaded". An answer past ``answer_within`` is told by the node's warning, said once as before.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows), as in
tests/outputs/live_sent_again.py."""

from __future__ import annotations

import io
from pathlib import Path

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeStatus
from tests.outputs.helpers import wait_for
from tests.outputs.live_sent_again import sent_again_to_live_back


def _console_of_live_back(tmp_path: Path, late: bool, mode: str = "normal") -> tuple[list[str], str]:
    """The console's lines (without the clock) for what the Live node told of a take sent again to a Live back,
    answered ``late`` or in time, and the take's id."""
    with sent_again_to_live_back(tmp_path, late) as again:
        again.sock.release()
        wait_for(lambda: again.node.loaded == 1, tick=again.surface.update_display)
        statuses, take_id = list(again.context.statuses), again.take.take_id
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_live"))
    err = io.StringIO()
    console = StageConsole(patch, mode=mode, err=err)
    for status in statuses:
        console(NodeStatus("live", status))
    return [line.split(" ", 1)[1] for line in err.getvalue().splitlines()], take_id


def test_a_take_live_loads_in_time_after_its_end_said_not_loaded_is_said_loaded(tmp_path: Path) -> None:
    lines, take_id = _console_of_live_back(tmp_path, late=False)
    said = [line for line in lines if "after all" in line]
    assert said == [f"ableton_live 'live': {take_id} loaded into Live's track 'HH' after all"], lines


def test_a_late_answer_is_said_by_its_warning_alone(tmp_path: Path) -> None:
    lines, _ = _console_of_live_back(tmp_path, late=True)
    said = [line for line in lines if "after all" in line]
    assert len(said) == 1 and said[0].startswith("warning from node 'live': "), lines


def test_quiet_mode_says_nothing_of_it(tmp_path: Path) -> None:
    lines, _ = _console_of_live_back(tmp_path, late=False, mode="quiet")
    assert not any("after all" in line for line in lines), lines
