"""``ableton_live`` pings Live's remote script as it starts: a Live not running (or the script not chosen) is told
then, and told again once it answers, not at the first take, mid-show.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows).
Before, nothing went to Live before the first take, so the performer learnt of a Live that was not there only when
that take went unanswered.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import exsampling_ableton_remote as ableton_remote
from exsampling_ableton_remote import osc
from exsampling_ableton_remote.surface import VERSION
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from tests.stage.helpers import free_port

from .helpers import wait_for
from .live_standin import CInstance, Song, Track


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
    context = NodeContext()
    # answer_within 2 s (was 0.3): the start's ping is answered only as this thread ticks the script, and a 0.3 s
    # stall of it on loaded cores was told "Live does not answer".
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        asked = time.monotonic()  # the start's ping went before this
        # Past answer_within by the node's clock (was 1 s of the test's): its reply loop looks for a silence before
        # it pings, Live's display timer running meanwhile.
        wait_for(lambda: node.link._pinged >= asked + node.link.within, tick=surface.update_display)
        assert context.errors == [] and not [s for s in context.statuses if "live_answers" in s]
    finally:
        node.stop()
        surface.disconnect()


class OlderScript(ableton_remote.ExSamplingSurface):
    """The remote script as installed before pongs named their ping: ``/exsampling/pong <version>`` only."""

    answered = 0  # pings answered

    def handle(self, data: bytes, sender: tuple[str, int]) -> None:
        if osc.decode(data)[0] == "/exsampling/ping":
            self._reply(sender, "/exsampling/pong", [VERSION])
            self.answered += 1
        else:
            super().handle(data, sender)


def test_an_older_installed_script_is_told_once_with_what_to_do(tmp_path: Path) -> None:
    # Before, nothing was said: a take Live missed while it loaded a set went again only after answer_within, told
    # "not loaded yet", where the patch's own script has it sent again at once; the performer could not know why.
    surface = OlderScript(CInstance(Song([Track("HH")])), port=0)
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        wait_for(lambda: surface.answered >= 3, tick=surface.update_display)
        # Two pings more sent by its reply loop, which reads a datagram between them: the three pongs were read.
        last = max(node.link._pings)
        wait_for(lambda: max(node.link._pings) >= last + 2, tick=surface.update_display)
        warnings = [s["warning"] for s in context.statuses if s.get("warning")]
        assert warnings == [
            f"the ExSampling script in Live (on 127.0.0.1:{surface.port}) is older than this patch's: a take Live "
            "misses while it loads a set goes again only after answer_within (told 'not loaded yet'), not at once; "
            "run 'exsampling ableton install' again, then restart Live"], warnings  # once, for three pongs
        assert context.errors == []
    finally:
        node.stop()
        surface.disconnect()
