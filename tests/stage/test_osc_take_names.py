"""A take sent over OSC under its name (a folder's file) is named by it on the receiving machine's console too, as
docs/osc.md says: the sender's line read "kick.wav from inbox", the receiver's "take-20260101-... from osc"."""

from __future__ import annotations

import socket
from pathlib import Path

from exsampling_patch.messages import FOLDER_FILE
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.takes import write_take
from tests.outputs.helpers import sine_take

from .helpers import Run, free_port


def test_a_take_sent_under_its_name_is_named_so_on_the_receiver_s_console(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    patch = tmp_path / "receive.yaml"
    patch.write_text(f"exsampling_patch: 1\nnodes:\n- id: osc\n  type: osc_receive\n  params: {{port: {port}}}\n"
                     "- id: log\n  type: log\nlinks:\n- osc.take -> log.message\n", encoding="utf-8")
    take = write_take(sine_take(220.0, seconds=0.2, take_id="take-20260101-200000-0001beef"), tmp_path / "kick.wav")
    run = Run(str(patch), "--for", "60", "--show-log", "none", "--log", str(tmp_path / "run.log"), cwd=tmp_path)
    sender = OscSend("tx", {"port": port, "folder": str(tmp_path / "osc")})
    try:
        run.wait_for("running")
        sender.start()
        sender.on_message(take.derive(meta={FOLDER_FILE: "toms/kick.wav"}))
        run.wait_for("from osc")
    finally:
        sender.stop()
        run.signal_group()
        run.wait()
    (line,) = [line for line in run.output().splitlines() if "from osc" in line]
    assert "toms/kick.wav from osc" in line, run.output()
