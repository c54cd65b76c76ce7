"""Live's late answer to a load counts the take loaded. ``ableton_live`` told "loaded into 'HH' after all" as a
warning's text alone: the run's summary and ``--json`` still counted the take "in its slot but loaded by no output",
and its phone's row stayed red. Its status now names the take (``loaded_after_all``), as the sampler's does."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.nodes.web_recorder.rows import loaded_after_all
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track
from .test_ableton_live_answer_first import LiveBackAsTheLoadGoes, Told


class KeepsAndTells(Told):
    """Keeps each take open as a runtime does (the node then says which take Live loaded after all)."""

    tracks_takes = True

    def keep_open(self, node_id: str, take: Any) -> bool:
        return True


def test_a_take_live_loads_after_all_is_named_by_its_status(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    context = KeepsAndTells()
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}, context)
    node.start()
    surface = None
    try:
        node.on_assignment(SlotAssignment("HH", write_take(sine_take(440.0, seconds=0.2), tmp_path / "first.wav"),
                                          "knock", 0.9))
        wait_for(lambda: node.link.silent)  # no Live on the port: the load went unanswered
        tracks = [Track("HH")]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)
        node.link.sock = LiveBackAsTheLoadGoes(node.link.sock, surface, context)
        second = write_take(sine_take(220.0, seconds=0.2), tmp_path / "second.wav")
        node.on_assignment(SlotAssignment("HH", second, "bell", 0.9))  # told not loaded, then loaded after all
        late = [status for status in context.statuses if "after all" in str(status.get("warning", ""))]
        assert [status.get("loaded_after_all") for status in late] == [second.take_id], context.statuses
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()


def test_a_phones_row_leaves_out_lives_word_once_live_loaded_it_after_all() -> None:
    """The row of a take neither the sampler nor Live had loaded (red): Live's late load leaves the sampler's word
    (amber: Live has it), and the sampler's then leaves none (plain)."""
    row = {"fate": "slot", "loaded": [], "not_loaded": "not loaded into sampler 'smp': the audio process did not "
           "answer within 3 s, not loaded into Live's track 'HH': Live is not answering on 127.0.0.1:11000"}
    row.update(loaded_after_all(row, "live", "ableton_live"))
    assert (row["not_loaded"], row["loaded"]) == (
        "not loaded into sampler 'smp': the audio process did not answer within 3 s", ["live"])
    row.update(loaded_after_all(row, "smp", "sampler"))
    assert (row["not_loaded"], row["loaded"]) == ("", ["live", "smp"])
