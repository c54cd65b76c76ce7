"""The editor's status bar after Stop says the takes an output kept unsent at its stop, as the console's summary does
("1 take not sent to Live by 'live', kept for its next start"): its sender could not send them (another run of a
patch held its folder), and they go to Live at the next start. The Stop said nothing of them: a composer was not
told a take handed to Live never reached it, nor that it arrives at the next Run. A real folder source and
ableton_max node run by the editor, sending to a real UDP socket; the other run's hold on the folder is a real lock
on its lock file."""

from __future__ import annotations

import fcntl
import socket
import time
from pathlib import Path

import dearpygui.dearpygui as dpg
import numpy as np
import soundfile as sf

from exsampling_patch.nodes.osc_outbox import unsent_path
from exsampling_patch.registry import Registry
from tests.editor import fake_nodes
from tests.editor.harness import call, open_editor, patch_in


def test_the_stop_says_the_takes_an_output_kept_unsent(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # Live's device: nothing may reach it
    receiver.bind(("127.0.0.1", 0))
    live = tmp_path / "live"
    live.mkdir()
    log = live / ".sent-live.txt"
    patch = patch_in(tmp_path, f"""exsampling_patch: 1
nodes:
- {{id: inbox, type: folder_source, position: [40, 80], params: {{folder: ../takes/inbox, poll_interval: 0.05}}}}
- {{id: label, type: test_labeler, position: [320, 80]}}
- {{id: live, type: ableton_max, position: [600, 80], params: {{port: {receiver.getsockname()[1]}, folder: {live}}}}}
links:
- inbox.take -> label.take
- label.assignment -> live.assignment
""")
    registry = Registry.default()
    registry.register_module(fake_nodes, "tests")
    try:
        with open(log.with_name(log.name + ".lock"), "a") as other_run, open_editor(patch, registry) as app:
            fcntl.flock(other_run, fcntl.LOCK_EX)  # another run's sender holds the folder
            call("menu:run")
            assert app.runner.running, app.status
            engine = app.runner.engine
            assert engine is not None
            sf.write(tmp_path / "takes" / "inbox" / "knock.wav", np.full(4800, 0.1, np.float32), 48000)
            deadline = time.monotonic() + 60
            while engine.status_snapshot().get("live", {}).get("slot") != "BD":  # handed to its sender, which waits
                assert time.monotonic() < deadline, "the take never reached ableton_max"
                time.sleep(0.01)
            call("menu:stop")
            assert not app.runner.running
            app.frame()
            # As the console's summary says it, once: the take, still open at the stop, was told by its source too
            # ("1 take from 'inbox' not through the patch"), as if two takes had been cut off.
            said = "1 take not sent to Live by 'live', kept for its next start"
            assert app.status == said, app.status
            assert dpg.get_value("statusbar").endswith(f"  |  {said}"), dpg.get_value("statusbar")
            assert unsent_path(log).stat().st_size > 0  # kept indeed, for the next start
    finally:
        receiver.close()
