"""A pattern node playing on its own tempo (no MIDI clock master, no Link session, no other node's clock) tells it on
the stage console: "own tempo 120 BPM" once at its start and again at each change of its tempo control. Before, the
console said nothing of it (a followed master's tempo and a Link session's were told): a performer read no tempo. A
real pattern node, its statuses reaching the console as the engine passes them; the test waits on those statuses."""

from __future__ import annotations

from exsampling_patch.commands.master_news import MasterNews
from exsampling_patch.messages import ControlValue
from tests.stage.test_console_link import pattern_on_console


def test_a_pattern_on_its_own_tempo_tells_it_at_start_and_at_each_change() -> None:
    params = {"patterns": {"HH": "x.x."}, "tempo": 120.0}
    node, context, err = pattern_on_console(params)
    try:
        context.until(lambda s: s.get("playing") is True and "own tempo 120 BPM" in err.getvalue())
        node.handle("control", ControlValue("tempo", 90.0))
        context.until(lambda s: "own tempo 90 BPM" in err.getvalue())
        context.until(lambda s: s.get("tempo") == 90.0)  # a status more at 90: no second line for it
    finally:
        node.stop()
    lines = [line.split(": ", 1)[1] for line in err.getvalue().splitlines() if "own tempo" in line]
    assert lines == ["own tempo 120 BPM", "own tempo 90 BPM"], err.getvalue()
    assert "pattern 'groove': own tempo 120 BPM" in err.getvalue()


def test_own_tempo_is_told_only_for_a_node_on_its_own() -> None:
    news, own = MasterNews(), {"tempo": 120.0, "link": False, "follows": ""}
    assert news.own_line("groove", own, 0.0) == "own tempo 120 BPM"
    assert news.own_line("groove", own, 2.0) == ""  # the same tempo: said once
    assert news.own_line("groove", {**own, "tempo": 97.5}, 2.5) == "own tempo 97.5 BPM"
    assert news.own_line("groove", {**own, "tempo": 90.0}, 3.0) == ""  # a line a second at most: a knob turning
    assert news.own_line("groove", {**own, "tempo": 90.0}, 3.5) == "own tempo 90 BPM"  # where it came to rest
    assert news.own_line("midi", {**own, "follows": "MIDI clock"}, 0.0) == ""  # its master's tempo is told
    assert news.own_line("fill", {**own, "follows": "groove"}, 0.0) == ""  # the followed node tells it
    assert news.own_line("link", {**own, "link": True}, 0.0) == ""  # the session's tempo is told
    assert news.own_line("groove", {**own, "follows": "MIDI clock"}, 4.0) == ""
    assert news.own_line("groove", {**own, "tempo": 90.0}, 4.5) == "own tempo 90 BPM"  # on its own again: told
