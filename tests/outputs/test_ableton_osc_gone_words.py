"""``ableton_osc``: the error of an AbletonOSC that stopped answering says what becomes of the takes. It said "Its
takes are lost until it answers", but the node sends each take all the same, to the track Live last named after its
slot: a Live only busy (answering late), or whose answers no longer reach ``reply_port``, gets it.

Live's side is a real UDP socket standing in for AbletonOSC (the one mock the project allows)."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import ableton
from exsampling_patch.nodes.ableton import AbletonOsc
from tests.outputs.test_ableton_osc_never_answered import RecordingStandin
from tests.outputs.test_ableton_osc_silent import wait_for


def test_a_take_sent_while_abletonosc_is_silent_goes_to_the_track_it_last_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ableton, "ASK_EVERY", 0.2, raising=False)  # 2 s on stage; the test's time
    live = RecordingStandin(["Drums", "HH"])  # HH is track 2 here, not track 1 as its slot's position would say
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    live.reply_port = int(probe.getsockname()[1])
    probe.close()
    context = NodeContext()
    node = AbletonOsc("aosc", {"port": live.port, "reply_port": live.reply_port, "folder": str(tmp_path / "live")},
                      context)
    node.start()
    try:
        wait_for(lambda: node.track_names == ["Drums", "HH"])
        live.answering.clear()  # Live busy, or its answers no longer reach the node: it still reads what comes
        wait_for(lambda: bool(context.errors))
        error = str(context.errors[0])
        assert error.startswith(f"AbletonOSC stopped answering on 127.0.0.1:{live.port} (no track names on port "
                                f"{live.reply_port} since "), error
        assert error.endswith("): has Live quit? Until it answers (asked every 0.2 s), takes go to the tracks it last "
                              "named and may not reach Live"), error  # not "Its takes are lost"
        take = Take(np.zeros((480, 1), np.float32), 48000, take_id="knock-1", meta={"stored_at": 1.0})
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        wait_for(lambda: live.fired() == [[1, 0]])  # the track it last named HH, which got the take
    finally:
        node.stop()
        live.close()
