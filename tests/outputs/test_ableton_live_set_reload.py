"""A load that went nowhere while Live's remote script was down for a moment (Live loading another set starts the
script anew) goes again as soon as the script answers a ping sent after it, not after ``answer_within``.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows).
The script answers what comes in the order it came, so a pong to a ping sent after a load that has no answer says
that load went nowhere (or its answer was lost). Before, the node waited ``answer_within`` all the same, told the
take "not loaded: Live did not answer" while Live answered every ping, and sent it again only at the pong after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .helpers import wait_for as ticked_wait
from .live_standin import CInstance, Song, Track
from .test_live_take_end import Ticking


def wait_for(done: Callable[[], bool], tick: Callable[[], None] = lambda: None, timeout: float = 10.0) -> None:
    ticked_wait(done, tick, timeout)


def test_a_load_sent_while_the_script_restarts_goes_again_at_the_next_pong(tmp_path: Path) -> None:
    first = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    port = first.port
    context = NodeContext()
    # answer_within far past the test's wait: only the pong can send the load again in time
    node = AbletonLive("live", {"port": port, "answer_within": 60.0, "folder": str(tmp_path / "live")}, context)
    node.start()
    again = None
    try:
        answered = time.monotonic() + 1.5  # the start's ping and another, answered
        wait_for(lambda: time.monotonic() >= answered, tick=first.update_display, timeout=5.0)
        first.disconnect()  # Live loads another set: its script goes ...
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))  # ... and this load finds nobody
        tracks = [Track("HH")]
        again = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)  # ... and comes back
        wait_for(lambda: node.loaded == 1, tick=again.update_display)
        clip = tracks[0].clip_slots[0].clip
        assert clip is not None and clip.file_path.endswith(".wav")
        assert context.errors == [] and context.fates == []  # never told "not loaded"
    finally:
        node.stop()
        first.disconnect()
        if again is not None:
            again.disconnect()


def test_the_take_of_a_load_sent_again_so_ends_in_its_slot(tmp_path: Path) -> None:
    first = Ticking(["HH"])
    port = first.surface.port
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_live", {"port": port, "answer_within": 60.0,
                                                     "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    again = None
    try:
        answered = time.monotonic() + 1.5
        wait_for(lambda: time.monotonic() >= answered, timeout=5.0)
        first.close()  # the script goes
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        engine.inject("live", "assignment", SlotAssignment("HH", take, "knock", 0.9))
        wait_for(lambda: engine.status.get("live", {}).get("slot") == "HH")  # sent, to nobody
        again = Ticking(["HH"], port=port)  # and comes back
        wait_for(lambda: bool(ended))
    finally:
        engine.stop()
        first.close()
        if again is not None:
            again.close()
    assert [(end.fate, end.reason) for end in ended] == [("slot", "slot HH")]  # loaded: not "not loaded"
