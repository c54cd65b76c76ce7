"""``ableton_live`` pings Live's remote script as it starts: a Live not running (or the script not chosen) is told
then, and told again once it answers, not at the first take, mid-show.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows).
Before, nothing went to Live before the first take, so the performer learnt of a Live that was not there only when
that take went unanswered.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_ableton_remote import osc
from exsampling_ableton_remote.surface import VERSION
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext, StandingWarning
from exsampling_patch.nodes import live_answers
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track


@contextlib.contextmanager
def live_node(tmp_path: Path, surface: ableton_remote.ExSamplingSurface) -> Iterator[tuple[AbletonLive, NodeContext]]:
    """(node, its context): an ableton_live node started against ``surface``, the script in the Live stand-in; both
    stopped at the end."""
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        yield node, context
    finally:
        node.stop()
        surface.disconnect()


def test_a_live_not_running_at_the_start_is_told_then_and_again_once_it_answers(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)  # nothing listens there: Live is not running
    context = NodeContext()
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}, context)
    node.start()
    surface = None
    try:
        wait_for(lambda: bool(context.errors))  # no take sent
        assert [str(error) for error in context.errors] == [
            f"Live does not answer on 127.0.0.1:{port}: is Live running, with 'ExSampling' as its Control Surface "
            "(Settings > Link, Tempo & MIDI)? (asked every second; the newest take of each slot is sent once it "
            "answers)"]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=port)  # Live opens now
        wait_for(lambda: any("live_answers" in s for s in context.statuses), tick=surface.update_display)
        back = [s for s in context.statuses if "live_answers" in s]
        assert back == [{"port": port, "live_answers": f"127.0.0.1:{port}"}]  # "port": the node's error ends
        assert len(context.errors) == 1 and node.loaded == 0
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()


def test_a_live_that_answers_the_start_is_not_told_of(tmp_path: Path) -> None:
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    # answer_within 2 s (was 0.3): the start's ping is answered only as this thread ticks the script, and a 0.3 s
    # stall of it on loaded cores was told "Live does not answer".
    with live_node(tmp_path, surface) as (node, context):
        asked = time.monotonic()  # the start's ping went before this
        # Past answer_within by the node's clock (was 1 s of the test's): its reply loop looks for a silence before
        # it pings, Live's display timer running meanwhile.
        wait_for(lambda: node.link._pinged >= asked + node.link.within, tick=surface.update_display)
        assert context.errors == [] and not [s for s in context.statuses if "live_answers" in s]


@pytest.fixture
def pinged_twice_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pings every 0.5 s, not 1 s: the old script's tests count pongs (three, then two more, twice), which took them
    4 s of waiting each; no wait of theirs is timed against the pings."""
    monkeypatch.setattr(live_answers, "PING_EVERY", 0.5)


class OlderScript(ableton_remote.ExSamplingSurface):
    """The remote script as installed before pongs named their ping (version 1): ``/exsampling/pong <version>``
    only."""

    answered = 0  # pings answered
    old = True  # False: installed again and Live restarted, its pongs name their ping

    def handle(self, data: bytes, sender: tuple[str, int]) -> None:
        if osc.decode(data)[0] != "/exsampling/ping":
            super().handle(data, sender)
            return
        self.answered += 1
        if self.old:
            self._reply(sender, "/exsampling/pong", ["1"])
        else:
            super().handle(data, sender)


def test_an_older_installed_script_is_told_once_with_what_to_do_and_stands(tmp_path: Path,
                                                                           pinged_twice_a_second: None) -> None:
    # Before, nothing was said: a take Live missed while it loads a set went again only after answer_within, told
    # "not loaded yet", where the installed script of this ExSampling has it sent again at once; the performer could
    # not know why. Then the warning was ended by the next take, the script still old.
    surface = OlderScript(CInstance(Song([Track("HH")])), port=0)
    with live_node(tmp_path, surface) as (node, context):
        wait_for(lambda: surface.answered >= 3, tick=surface.update_display)
        # Two pings more sent by its reply loop, which reads a datagram between them: the three pongs were read.
        last = max(node.link._pings)
        wait_for(lambda: max(node.link._pings) >= last + 2, tick=surface.update_display)
        told = (f"the ExSampling script in Live (on 127.0.0.1:{surface.port}) is version 1, older than this "
                f"ExSampling's (version {VERSION}): its pong names no ping, so a take Live misses while it loads a "
                "set goes again only after answer_within (told 'not loaded yet'), not at once; its refusal of a take "
                "names no file, so with two takes of a slot on their way to Live, the older one is told refused (and "
                "not sent again) in place of the one refused; run '.venv/bin/exsampling ableton install' again, then "
                "restart Live")
        warnings = [s["warning"] for s in context.statuses if "warning" in s]
        assert warnings == [told], warnings  # once, for three pongs
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        wait_for(lambda: node.loaded == 1, tick=surface.update_display)
        assert [s.get("slot") for s in context.statuses if "slot" in s] == ["HH"]  # the take went through
        warnings = [s["warning"] for s in context.statuses if "warning" in s]
        assert warnings == [told], warnings  # it stands: the script in Live is still old
        assert context.errors == []


def test_a_lasting_warning_comes_back_when_a_passing_one_ends() -> None:
    # The node line shows one warning: a passing one (a take "loaded after all") told over the old script's was
    # ended by an empty one, which left the line with nothing while the script was still old.
    warning = StandingWarning(standing=True)  # a start-up notice, told before the first pong
    warning.told_lasting("the script is old")
    assert warning.ended() == {}  # the take that goes through leaves the old script's warning on the line
    warning.told()  # "... loaded after all"
    # Marked as given back: the console told that line once already.
    assert warning.ended() == {"warning": "the script is old", "warning_back": True}
    assert warning.ended() == {}


def test_the_old_script_warning_ends_once_a_pong_names_its_ping(tmp_path: Path, pinged_twice_a_second: None) -> None:
    # A performer told of the old script runs 'exsampling ableton install' and restarts Live, the patch running: the
    # warning stayed on the node until the patch stopped, though pongs now named their ping.
    surface = OlderScript(CInstance(Song([Track("HH")])), port=0)
    with live_node(tmp_path, surface) as (_, context):
        wait_for(lambda: any(s.get("warning") for s in context.statuses), tick=surface.update_display)
        surface.old = False
        wait_for(lambda: [s["warning"] for s in context.statuses if "warning" in s][-1] == "",
                 tick=surface.update_display)
        # Two pings more answered, sent by the node's reply loop, which reads a datagram between them: no word more.
        seen = surface.answered
        wait_for(lambda: surface.answered >= seen + 2, tick=surface.update_display)
        warnings = [s["warning"] for s in context.statuses if "warning" in s]
        assert len(warnings) == 2 and "is version 1, older than this" in warnings[0] and warnings[1] == "", warnings
        surface.old = True  # an older script again (another Live's): told again
        wait_for(lambda: [s["warning"] for s in context.statuses if "warning" in s][-1] == warnings[0],
                 tick=surface.update_display)
        assert context.errors == []


def test_a_lasting_warning_that_ends_under_a_passing_one_leaves_its_end_to_the_take() -> None:
    warning = StandingWarning()
    warning.told_lasting("the script is old")
    warning.told()  # "... not loaded yet" leads the node line
    assert warning.lasting_ended() == {}  # not ended under it: that line is still true
    assert warning.ended() == {"warning": ""}  # the next take ends it, and the line is left with nothing
    warning.told_lasting("the script is old")
    assert warning.lasting_ended() == {"warning": ""}
    assert warning.ended() == {}


def test_a_port_another_program_holds_is_told_as_such_not_as_live_not_running(tmp_path: Path) -> None:
    # Before, "is Live running, with 'ExSampling' as its Control Surface?": the performer looked at Live's settings,
    # which were right, while another program held the port (Live's status bar said it was taken).
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # another program on the port, answering nothing
    other.bind(("127.0.0.1", 0))
    port = int(other.getsockname()[1])
    context = NodeContext()
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        wait_for(lambda: bool(context.errors))
        assert [str(error) for error in context.errors] == [
            f"Live does not answer on 127.0.0.1:{port}, though a program holds that port: Live busy (starting, loading "
            f"a set), or another program on it (Live's status bar then says 'ExSampling: UDP port {port} is taken')? "
            "(asked every second; the newest take of each slot is sent once it answers)"]
    finally:
        node.stop()
        other.close()
