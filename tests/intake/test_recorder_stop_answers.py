"""The recorder's stop waits (a few seconds at most) for the requests already past the token check to be answered, so
that what they tell is told before the stop returns: ``exsampling run`` reads the recorder's counts once, right after
the engine's stop, for its summary. Before, the stop did not wait: a take whose disk check was under way at the stop was
refused for the full disk (507, kept on its phone) after the summary was printed, and the summary missed it. A real
HTTPS recorder run by an engine; the take folder's free space is set by the test (a real disk's moves as others write),
and its look held until the stop waits for that take."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.run import counts_of, phones_text
from exsampling_patch.nodes import disk_space

from .conftest import Client, rec_of, recorder_engine
from .test_recorder_stop_mid_upload import TAKE


class HeldLook:
    """The take folder's free space as the recorder looks at it: 10 GB, then none; once :meth:`hold` is called, the
    next look waits (``looking`` set) until :meth:`release`."""

    def __init__(self) -> None:
        self.room = 10_000 * 10**6
        self.looking, self._released, self._held = threading.Event(), threading.Event(), False

    def __call__(self, folder: Path) -> int:
        if self._held:
            self._held = False
            self.looking.set()
            assert self._released.wait(30), "the test never released the disk's look"
        return self.room

    def hold(self) -> None:
        self.room, self._held = 0, True

    def release(self) -> None:
        self._released.set()


def test_a_take_refused_for_the_full_disk_as_the_recorder_stops_is_in_the_summary(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    engine = recorder_engine(tmp_path, recorder_state, min_free_mb=100, warn_free_mb=200)
    door = rec_of(engine).server.door
    client = Client(engine, recorder_state / "recorder-cert.pem")
    answers: list[tuple[int, Any]] = []
    look.hold()
    phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="as-it-stops")))
    phone.start()
    stopper = threading.Thread(target=engine.stop)
    try:
        assert look.looking.wait(30), "the recorder never looked at its disk for the take"
        stopper.start()  # its request read whole, its disk being looked at
        # Released once the stop waits for the take, or has returned without it (then the summary below misses it).
        while stopper.is_alive() and not getattr(door, "settling", 0):
            time.sleep(0.01)
    finally:
        look.release()
        stopper.join(30)
        # As `exsampling run` reads it: once, right after the engine's stop.
        summary = phones_text(counts_of(engine, "held_on_phones"), counts_of(engine, "uploads_cut_off"))
        phone.join(30)
    assert answers and answers[0][0] == 507, answers  # refused as the recorder stopped: its phone keeps it
    assert summary == "; 1 take refused by 'rec' for its full disk, kept on the phones: make room, they are sent again"
    assert not list((tmp_path / "takes").glob("*.wav"))
