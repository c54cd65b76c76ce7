"""A take's id and name over OSC, on real UDP between an osc_send and an osc_receive: kept, and kept unique."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.messages import FOLDER_FILE, SlotAssignment
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.nodes.osc_receive import OscReceive
from exsampling_patch.takes import write_take

from .helpers import sine_take


def wait_for(condition: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition(), "timed out"


def test_a_takes_id_and_name_cross_over_and_a_repeated_id_stays_a_take_of_its_own(tmp_path: Path) -> None:
    """The receiver gave each take its sidecar's id or, with none, a fresh one, and dropped the name: the two
    machines' console lines and show logs named one take apart."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bare = write_take(sine_take(220.0, seconds=0.2, take_id="take-20260101-200000-0001beef"), tmp_path / "a/kick.wav")
    (tmp_path / "a/kick.wav.json").unlink()  # the receiver sees no sidecar: only the message says the id
    named = bare.derive(meta={FOLDER_FILE: "toms/kick.wav"})
    # the sender restarted with ids of its own: the same id for another take, in another file
    again = write_take(sine_take(330.0, seconds=0.2, take_id=bare.take_id), tmp_path / "b/kick.wav")
    receiver = OscReceive("rx-ids", {"port": 0})
    receiver.start()
    sender = OscSend("tx-ids", {"port": receiver.bound_port, "folder": str(tmp_path / "osc")})
    sender.start()
    try:
        sender.on_message(named)
        sender.on_message(SlotAssignment("TT", named, "kick", 0.5))  # the same take again: the same id
        sender.on_message(again)
        got = receiver.context.emitted
        wait_for(lambda: len(got) == 3)
    finally:
        sender.stop()
        receiver.stop()
    first, slot, other = (m.take if isinstance(m, SlotAssignment) else m for _, m in got)
    assert (first.take_id, first.name) == (bare.take_id, "toms/kick.wav")
    assert (slot.take_id, slot.name) == (bare.take_id, "toms/kick.wav")
    assert (other.take_id, other.name) == (f"{bare.take_id}-2", f"{bare.take_id}-2")
    assert other.path == again.path
