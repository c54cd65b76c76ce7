"""Nothing the microphone records is lost to a take folder that cannot hold it (its disk full mid-show): each take is
kept in memory, up to ``held_mb``, and stored and passed on once there is room; the console is told when the disk
fills up (once each time, as the web recorder's), and told of each take kept, stored late or lost.

Takes from audio looped through the JACK dummy server, as in test_microphone.py. The disk's free space is the one the
web recorder's tests set (``disk_space.disk_free``: a real disk's moves as others write); a store that really fails is a
file put in the take folder's place (as in test_microphone_store_fails.py), which fails each write as a full disk's
ENOSPC did: before, each such take was told "it is lost" and its audio was gone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import disk_space, microphone_room
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeError, TakeEnded
from exsampling_patch.takes import PROCESSED_JOURNAL
from tests.intake.conftest import registry
from tests.intake.tone_bursts import MIC_PARAMS, RATE, frames_heard, microphone, playing_into, recording, two_bursts
from tests.waiting import wait_for

MB = 10**6


def free_space(monkeypatch: pytest.MonkeyPatch, mb: float) -> list[float]:
    """The take folder's disk made to have ``mb`` free; set the list's one item to change it."""
    free = [mb]
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: int(free[0] * MB))
    return free


def takes(context: NodeContext) -> list[Any]:
    return [message for port, message in context.emitted if port == "take"]


@pytest.mark.jack
def test_takes_that_cannot_be_written_are_kept_and_stored_once_they_can_be(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: "a take of 0.40 s could not be stored in ...: File exists; it is lost", and both takes were gone."""
    free_space(monkeypatch, 10_000)
    play = two_bursts()
    context = NodeContext(tmp_path)
    folder = tmp_path / "takes"
    moved = tmp_path / "takes-moved"

    def folder_gone() -> None:  # a file in its place: every write fails
        folder.rename(moved)
        folder.write_text("not a folder", encoding="utf-8")

    with recording(microphone(context, folder), play, before=folder_gone):
        assert wait_for(lambda: play.done and len(context.errors) >= 2, 15), context.errors
        assert takes(context) == []
        folder.unlink()  # room made: the file gone, the folder is made again as the next try stores a take
        assert wait_for(lambda: len(takes(context)) == 2, 10), context.statuses
    errors = [str(error) for error in context.errors]
    assert len(errors) == 2, errors
    for count, error in enumerate(errors, 1):
        assert re.fullmatch(rf"take mic-\S+ \(0\.4\d s\) could not be stored in {re.escape(str(folder))}: File "
                            rf"exists; kept in memory until it can be \({count} takes?, 0\.\d MB of 100 MB\)",
                            error), errors
    first, second = takes(context)
    assert first.take_id < second.take_id and first.meta["stored_late"] and second.meta["stored_late"]
    for take in (first, second):
        assert take.path is not None and take.path.parent == folder and take.path.is_file()
        assert 0.38 < take.duration < 0.5 and abs(float(take.samples.max()) - 0.5) < 0.05  # the burst, whole
    late = [status["warning"] for status in context.statuses if "stored now" in status.get("warning", "")]
    assert len(late) == 1 and late[0].startswith("2 takes kept in memory while they could not be stored are stored "
                                                  "now, the oldest "), late
    assert late[0].endswith(f"{first.take_id}, {second.take_id}"), late
    assert context.fates == []  # none lost
    journal = (folder / PROCESSED_JOURNAL).read_text(encoding="utf-8").split()
    assert journal == [first.take_id, second.take_id]  # no runtime: done as they were passed on


@pytest.mark.jack
def test_a_nearly_full_disk_is_warned_of_and_its_takes_are_still_stored(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: under min_free_mb (default 200 MB) each take was kept in memory without a try at writing it, never
    passed on, and every one was lost at the stop (the same check came first there), though the disk had room; under
    warn_free_mb (2000 MB) each start was an error, a node with errors in the run's summary."""
    free = free_space(monkeypatch, 1500)
    play = two_bursts()
    context = NodeContext(tmp_path)
    folder = tmp_path / "takes"
    with recording(microphone(context, folder), play, before=lambda: free.__setitem__(0, 150)):
        assert wait_for(lambda: play.done and len(takes(context)) == 2, 15), (context.statuses, context.errors)
    assert context.errors == [] and context.fates == []  # nothing kept in memory, nothing lost at the stop
    warnings = [status["warning"] for status in context.statuses if "disk is" in status.get("warning", "")]
    assert warnings == [  # as the node started, then once nearly full, not at each take
        f"the take folder's disk is filling up: 1500 MB free ({folder})",
        "the take folder's disk is nearly full: 150 MB free, under 200 MB: takes are still stored while they fit; one "
        f"that cannot be is kept in memory (up to 100 MB) until there is room: make room ({folder})"], warnings
    first, second = takes(context)
    for take in (first, second):  # each stored and passed on as it came, not late
        assert take.path is not None and take.path.parent == folder and take.path.is_file()
        assert "stored_late" not in take.meta and 0.38 < take.duration < 0.5
    journal = (folder / PROCESSED_JOURNAL).read_text(encoding="utf-8").split()
    assert journal == [first.take_id, second.take_id]


@pytest.mark.jack
def test_a_take_past_held_mb_and_one_kept_at_the_stop_are_lost_and_told(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Through an engine, whose take ends the run's summary counts: each lost take ends, as an error naming why. Each
    is written first (a disk under min_free_mb does not keep a take from it): the folder's place taken by a file."""
    free_space(monkeypatch, 50)
    folder = tmp_path / "takes"
    patch = Patch()
    # one take of 0.4 s (77 kB of float samples) fits in 0.1 MB, two do not
    patch.add_node(NodeSpec("mic", "microphone", {**MIC_PARAMS, "folder": str(folder), "held_mb": 0.1}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("mic.take", "probe.take")
    engine = Engine(registry(), base_dir=tmp_path)
    events: list[Any] = []
    engine.events.subscribe(events.append)
    play = two_bursts()
    engine.start(patch)
    try:
        mic = engine.node("mic")
        assert isinstance(mic, Microphone)
        folder.rmdir()  # made by the start, empty
        folder.write_text("not a folder", encoding="utf-8")
        with playing_into(mic.jack_client, play, RATE, frames_heard(mic)):
            assert wait_for(lambda: play.done and [e for e in events if isinstance(e, TakeEnded)], 15), events
            assert mic._room.held == 1
    finally:
        engine.stop()
    ended = [event for event in events if isinstance(event, TakeEnded)]
    assert [(event.fate, event.node_id) for event in ended] == [("error", "mic"), ("error", "mic")], ended
    past, at_stop = ended
    assert past.take_id > at_stop.take_id  # the second take found no room; the first was kept, until the stop
    assert past.reason == ("error in mic: take lost: not stored (File exists), and the takes kept in memory (1, "
                           "0.1 MB) leave no room for it in held_mb (0.1 MB)"), past.reason
    assert at_stop.reason == ("error in mic: take lost: not stored (File exists); kept in memory, lost as the "
                              "microphone stopped"), at_stop.reason
    told = [event.error for event in events if isinstance(event, NodeError) and event.node_id == "mic"]
    assert told[-1] == f"1 take kept in memory was lost as the microphone stopped: not stored (File exists): " \
                       f"{at_stop.take_id}", told
    assert folder.is_file()  # nothing stored, nothing written down as done


class LateEmitFails(NodeContext):
    """Room is made (the file in the take folder's place removed) as the first take's write failing is told; the
    emit of a take stored late raises once noted."""

    def __init__(self, base_dir: Path, folder: Path) -> None:
        super().__init__(base_dir)
        self.folder = folder

    def report_error(self, node_id: str, error: BaseException | str, about: str = "") -> None:
        super().report_error(node_id, error, about)
        if "could not be stored" in str(error):
            self.folder.unlink(missing_ok=True)

    def emit(self, node_id: str, port: str, message: Any) -> None:
        super().emit(node_id, port, message)
        if message.meta.get("stored_late"):
            raise RuntimeError(f"emit of {message.take_id} failed")


@pytest.mark.jack
def test_a_take_stored_late_whose_emit_raises_is_told_and_the_take_after_it_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first take kept in memory, stored as the second comes (no retry meanwhile). Before: its emit raising left
    the second take, stored, never passed on in this run, and nothing named the first (at the stop, the rest of the
    cut was never stored)."""
    monkeypatch.setattr(microphone_room, "RETRY_SECONDS", 600.0)  # stored late by the second take only
    free_space(monkeypatch, 10_000)
    play = two_bursts()
    folder = tmp_path / "takes"
    context = LateEmitFails(tmp_path, folder)

    def folder_gone() -> None:
        folder.rmdir()
        folder.write_text("not a folder", encoding="utf-8")

    with recording(microphone(context, folder), play, before=folder_gone):
        assert wait_for(lambda: play.done and len(takes(context)) == 2, 15), (context.errors, context.statuses)
    first, second = takes(context)
    assert first.meta["stored_late"] and "stored_late" not in second.meta
    errors = [str(error) for error in context.errors]
    assert len(errors) == 2 and "could not be stored" in errors[0], errors
    assert errors[1] == f"take {first.take_id}, stored late, could not be passed on: emit of {first.take_id} failed"
    assert [(take_id, fate) for take_id, _, fate, _ in context.ended] == [(first.take_id, "error")]
    assert (folder / PROCESSED_JOURNAL).read_text(encoding="utf-8").split() == [second.take_id]
