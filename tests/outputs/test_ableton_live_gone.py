"""``ableton_live`` tells a Live that stops answering between takes (quit, crashed) at once, with no take sent, and
tells it again once Live answers.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows).
Before, the node pinged Live only while it was known silent: a Live that quit mid-show was learnt of only when the
next take's load went unanswered, after the performer had recorded that sound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive

from .live_standin import CInstance, Song, Track


def wait_for(done: Callable[[], bool], tick: Callable[[], None] = lambda: None, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        tick()
        time.sleep(0.01)
    assert done()


def test_a_live_that_stops_answering_between_takes_is_told_then_and_again_once_back(tmp_path: Path) -> None:
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    port = surface.port
    context = NodeContext()
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}, context)
    node.start()
    back = None
    try:
        pinged = surface.update_display  # Live's display timer: the script answers the node's pings
        answered = time.monotonic() + 1.5  # past the start's ping and another one, answered
        wait_for(lambda: time.monotonic() >= answered, tick=pinged, timeout=5.0)
        assert context.errors == []
        surface.disconnect()  # Live quits mid-show; no take is sent
        wait_for(lambda: bool(context.errors))
        assert len(context.errors) == 1
        text = str(context.errors[0])
        assert text.startswith(f"Live stopped answering on 127.0.0.1:{port} (no answer since ")
        assert text.endswith("is Live running, with 'ExSampling' as its Control Surface (Settings > Link, Tempo & "
                             "MIDI)? (asked every second; the newest take of each slot is sent once it answers)")
        assert not [s for s in context.statuses if "live_answers" in s]
        back = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=port)  # Live opened again
        wait_for(lambda: any("live_answers" in s for s in context.statuses), tick=back.update_display)
        assert [s for s in context.statuses if "live_answers" in s] == [
            {"port": port, "live_answers": f"127.0.0.1:{port}"}]  # "port": the node's error ends
        assert len(context.errors) == 1 and node.loaded == 0
    finally:
        node.stop()
        surface.disconnect()
        if back is not None:
            back.disconnect()
