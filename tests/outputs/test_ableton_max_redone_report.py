"""A recovered take that ``ableton_max`` sends to two slots, one of which its sent log has: the sender skips that
one ("already sent") and sends the other, whose "sent" is reported. Before, the node kept the skipped word by
take id (the sent log's key is take and slot): the second slot's report was swallowed, the console left saying
"already sent" of a take that went, and every later report of that take id was swallowed too."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from exsampling_patch.context import NodeContext
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonMax
from exsampling_patch.takes import write_take

from .helpers import sine_take


def test_a_recovered_take_sent_to_a_second_slot_is_reported_sent(tmp_path: Path) -> None:
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    device.settimeout(10)
    (tmp_path / "max").mkdir()
    take = write_take(sine_take(440.0, seconds=0.1), tmp_path / "knock.wav")
    take.meta.update(stored_at=str(take.path), recovered=True)
    (tmp_path / "max" / ".sent-max.txt").write_text(f"{take.take_id}\tHH\n")  # the last run sent it to HH
    context = NodeContext()
    node = AbletonMax("max", {"port": device.getsockname()[1], "folder": str(tmp_path / "max")}, context)
    node.start()
    try:
        node.on_assignment(SlotAssignment("HH", take, "hat", 0.9))
        deadline = time.monotonic() + 10
        while not any(status.get("already_sent") for status in context.statuses) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert any(status.get("already_sent") for status in context.statuses)
        node.on_assignment(SlotAssignment("Snare", take, "snare", 0.9))
        assert b"Snare" in device.recv(65536)  # it went (HH's bundle did not: the device's first datagram)
        # HH's "already sent" came last of HH's words; Snare's "sent" comes after it.
        words = [status.get("slot") or "already sent" for status in context.statuses
                 if "slot" in status or status.get("already_sent")]
        assert words[-2:] == ["already sent", "Snare"], words
    finally:
        node.stop()
        device.close()


def test_a_recovered_take_sent_then_redone_to_the_same_slot_says_already_sent(tmp_path: Path) -> None:
    """A recovered take its sender sent (no "already sent" came), then the same take and slot again in the run: the
    sender skips it now. Its key was kept as reported for the whole run, so the sender's word, read before the
    handler's, was taken as answering the first report: the handler's "sent" came after it, the last word wrong."""
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    device.settimeout(10)
    (tmp_path / "max").mkdir()
    take = write_take(sine_take(440.0, seconds=0.1), tmp_path / "knock.wav")
    take.meta.update(stored_at=str(take.path), recovered=True)
    context = NodeContext()
    node = AbletonMax("max", {"port": device.getsockname()[1], "folder": str(tmp_path / "max")}, context)
    node.start()
    try:
        node.on_assignment(SlotAssignment("HH", take, "hat", 0.9))
        assert b"HH" in device.recv(65536)  # sent: the sender's log has it now
        assigned = node.files.assigned

        def after_the_skip(slot: str, path: Path) -> None:
            # The handler's report waits for the sender's "already sent" (the order a fast sender makes)
            deadline = time.monotonic() + 10
            while not any(status.get("already_sent") for status in context.statuses) and time.monotonic() < deadline:
                time.sleep(0.01)
            assigned(slot, path)
        node.files.assigned = after_the_skip
        node.on_assignment(SlotAssignment("HH", take, "hat", 0.9))
        words = [status.get("slot") or "already sent" for status in context.statuses
                 if "slot" in status or status.get("already_sent")]
        assert words == ["HH", "already sent"], words
    finally:
        node.stop()
        device.close()
