"""The console's line for AbletonOSC's first answer after its start-up silence (Live opened after the patch): it
said "AbletonOSC answers again", for a Live that had never answered. "again" is for an answer after a silence that
followed answers (Live quit, and opened again).

Live's side is a real UDP socket standing in for AbletonOSC (the one mock the project allows)."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.nodes import ableton
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeStatus
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeError
from tests.outputs.test_ableton_osc_silent import AbletonOscStandin, wait_for


def test_the_first_answer_after_the_start_up_silence_is_not_said_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ableton, "ASK_EVERY", 0.2, raising=False)  # 2 s on stage; the test's time
    live = AbletonOscStandin(["Drums"])
    live.answering.clear()  # Live not opened yet
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    live.reply_port = int(probe.getsockname()[1])
    probe.close()
    patch = Patch()
    patch.add_node(NodeSpec("aosc", "ableton_osc", {"port": live.port, "reply_port": live.reply_port,
                                                    "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    engine.events.subscribe(StageConsole(patch, err=err), NodeError, NodeStatus)
    engine.start(patch)
    where = f"127.0.0.1:{live.port}"
    try:
        wait_for(lambda: "does not answer" in err.getvalue())
        live.answering.set()  # Live opened: its first answer
        wait_for(lambda: "is back" in err.getvalue())
        live.answering.clear()  # Live quits
        wait_for(lambda: "stopped answering" in err.getvalue())
        live.answering.set()  # and is opened again
        wait_for(lambda: err.getvalue().count("is back") == 2)
    finally:
        engine.stop()
        live.close()
    backs = [line.split(" aosc is back: ", 1)[1] for line in err.getvalue().splitlines() if " aosc is back: " in line]
    assert backs == [f"ableton_osc 'aosc': AbletonOSC answers on {where}",
                     f"ableton_osc 'aosc': AbletonOSC answers again on {where}"], err.getvalue()
