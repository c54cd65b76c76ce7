"""The stage console tells a pattern node's Ableton Link session: its joining, the peers coming and going, the
session's tempo and, with ``start_stop_sync``, its transport. Before, it said nothing of the session: a performer saw
no word of a peer found, a tempo set on another laptop or the session stopped there. A real pattern node in the
session with a second peer process (the Link library alone, as in ``tests/outputs/test_pattern_link.py``), its
statuses reaching the console as the engine passes them; the test waits on those statuses, not on spans of time."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import pytest

from exsampling_patch.commands.master_news import MasterNews
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.context import NodeContext
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeStatus

Status = dict[str, Any]

#: A status of a node in a Link session (``session_playing``: with start_stop_sync).
LINKED: Status = {"tempo": 120.0, "peers": 0, "link": True, "follows": "", "playing": True, "session_playing": True}


def test_the_session_is_told_as_it_changes() -> None:
    news = MasterNews()

    def said(at: float, **changed: Any) -> str:
        return news.session_line("groove", {**LINKED, **changed}, at)

    assert said(0.0) == "joined the Link session at 120 BPM, alone in it"
    assert said(0.5) == ""
    assert said(1.0, peers=1) == "a peer joined the Link session: 1 peer in it now"
    assert said(1.5, peers=3) == "2 peers joined the Link session: 3 peers in it now"
    assert said(2.0, peers=3, tempo=120.4) == ""  # a knob's small step: no line
    assert said(2.5, peers=3, tempo=97.5) == "the Link session's tempo is 97.5 BPM"
    assert said(3.0, peers=3, tempo=90.0) == ""  # a line a second at most: the knob still turning
    assert said(3.5, peers=3, tempo=90.0) == "the Link session's tempo is 90 BPM"  # where it came to rest
    assert said(4.0, peers=0, tempo=90.0, session_playing=False) == (
        "3 peers left the Link session: alone in it now; the Link session stopped")
    assert said(4.5, tempo=90.0, session_playing=True) == "the Link session started"


def test_no_session_is_told_for_a_node_out_of_one_or_following_another() -> None:
    news = MasterNews()
    assert news.session_line("alone", {**LINKED, "link": False}, 0.0) == ""  # its own tempo (or Link missing)
    assert news.session_line("fill", {**LINKED, "follows": "groove"}, 0.0) == ""  # the followed node tells it
    assert news.session_line("midi", {**LINKED, "link": False, "follows": "MIDI clock"}, 0.0) == ""


def test_a_node_edited_out_of_the_session_and_back_is_told_joining_again() -> None:
    news = MasterNews()
    assert news.session_line("groove", LINKED, 0.0).startswith("joined the Link session")
    assert news.session_line("groove", {**LINKED, "link": False}, 0.5) == ""  # an edit turned link off
    assert news.session_line("groove", {**LINKED, "peers": 1}, 1.0) == "joined the Link session at 120 BPM, with 1 peer"


class ToConsole(NodeContext):
    """The pattern's context: each status to the console as the engine would publish it; the test waits on them."""

    def __init__(self, console: StageConsole) -> None:
        super().__init__()
        self.console = console
        self.reported = threading.Condition()
        self.last: Status = {}

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        self.console(NodeStatus(node_id, dict(status)))
        with self.reported:
            super().report_status(node_id, status)
            self.last = dict(status)
            self.reported.notify_all()

    def until(self, shows: Callable[[Status], bool]) -> Status:
        """The first status ``shows`` holds for, once the console has said what it says of it (10 s at most)."""
        with self.reported:
            assert self.reported.wait_for(lambda: shows(self.last), timeout=10), f"never so: {self.last}"
            return self.last


def pattern_on_console(params: dict[str, Any]) -> tuple[Pattern, ToConsole, io.StringIO]:
    """A pattern node ``groove`` with ``params`` outside any engine, its statuses told to a stage console writing into
    the string returned, started: the node, its context and that string."""
    patch = Patch()
    patch.add_node(NodeSpec("groove", "pattern", dict(params)))
    err = io.StringIO()
    context = ToConsole(StageConsole(patch, err=err))
    node = Pattern("groove", params, context)
    node.start()
    return node, context, err


@pytest.mark.slow
def test_the_console_tells_a_peer_joining_its_tempo_and_stop() -> None:
    pytest.importorskip("link")
    from tests.outputs.test_pattern_link import Peer, leave_session, made_again_if_crowded, stop_session

    params = {"patterns": {"HH": "x.x."}, "link": True, "start_stop_sync": True, "tempo": 120.0}
    peer = Peer()
    assert peer.ask("sync") == "ok"
    try:
        def attempt(crowd: Any) -> None:
            node, context, err = pattern_on_console(params)
            try:
                context.until(lambda s: s.get("peers", 0) >= 1 and s.get("session_playing") is True)
                crowd.look(node)
                assert peer.ask("tempo 97").isdigit()
                # said once the status shows it and a second has passed since the join's line (a line a second)
                context.until(lambda s: s.get("tempo") == 97.0 and "tempo is 97 BPM" in err.getvalue())
                stop_session(node, peer)
                context.until(lambda s: s.get("session_playing") is False)
                crowd.look(node)
            finally:
                leave_session(node)
            text = err.getvalue()
            assert "pattern 'groove': joined the Link session at 120 BPM" in text
            assert "pattern 'groove': a peer joined the Link session: " in text  # how many: another run's too
            assert "pattern 'groove': the Link session's tempo is 97 BPM" in text
            assert "pattern 'groove': the Link session stopped" in text

        made_again_if_crowded(attempt, peer)
    finally:
        peer.close()
