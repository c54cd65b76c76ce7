"""A patch killed -9 with two takes of one slot sent to Live and neither answered yet: Live loads both (their answers
reach no node), and the restarted patch redoes both, ``once``. The script left a take as it was only where its track
held that file still; the older take's track held the newer one by then, so the older was loaded again over it, and
the newer again after it: two loads too many per such slot (a crash pass counted 34 loads for 30 takes). The script
now remembers what it loaded into each track.

The first run is a real process, killed with SIGKILL; Live is the stand-in (``live_standin``) under the real remote
script, over real UDP."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .live_standin import CInstance, Song, Track
from .test_ableton_remote import drive

FIRST_RUN = textwrap.dedent("""
    import sys
    from exsampling_patch.messages import SlotAssignment
    from exsampling_patch.node import NodeContext
    from exsampling_patch.nodes.ableton import AbletonLive
    from exsampling_patch.takes import read_take

    port, folder, *paths = sys.argv[1:]
    node = AbletonLive("live", {"port": int(port), "fire": True, "folder": folder}, NodeContext())
    node.start()
    for path in paths:  # a source stored them: redone after a crash
        node.on_assignment(SlotAssignment("HH", read_take(path).derive(meta={"stored_at": path}), "knock", 0.9))
    print("sent", flush=True)
    sys.stdin.read()  # until killed
""")


def test_two_takes_of_a_slot_live_loaded_before_a_kill_9_are_not_loaded_again(tmp_path: Path) -> None:
    tracks = [Track("HH")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    slot = tracks[0].clip_slots[0]
    takes = [write_take(sine_take(freq, seconds=0.2), tmp_path / f"{name}.wav")
             for name, freq in (("older", 440.0), ("newer", 660.0))]
    params = {"port": surface.port, "fire": True, "folder": str(tmp_path / "live")}
    try:
        first = subprocess.Popen([sys.executable, "-c", FIRST_RUN, str(surface.port), params["folder"],
                                  *(str(take.path) for take in takes)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
        try:
            assert first.stdout is not None and first.stdout.readline() == "sent\n"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        surface.update_display()  # Live's display timer: both loads were waiting in its socket
        assert surface.loaded == 2 and slot.clip is not None and slot.clip.file_path == str(takes[1].path)
        assert slot.fired == 2

        again = AbletonLive("live", params, NodeContext())
        again.start()
        try:
            for take in takes:  # redone in order, as the source passes them on again
                redone = take.derive(meta={"stored_at": str(take.path), "recovered": True})
                assert drive(surface, again, SlotAssignment("HH", redone, "knock", 0.9)) == (
                    "/exsampling/loaded", ["HH", str(take.path), "already"])
        finally:
            again.stop()
        assert surface.loaded == 2 and slot.fired == 2  # each take loaded (and fired) once
        assert slot.clip.file_path == str(takes[1].path)  # the newer take stays in its track
    finally:
        surface.disconnect()
