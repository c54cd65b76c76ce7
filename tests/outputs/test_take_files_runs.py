"""A take whose source did not name it (a folder's file without a sidecar) gets an id unique across runs, so the
copy written for Live in its folder (named after the id: ``takes.named_stem``) never overwrites one an earlier run
wrote, which Live or a slot's history may still use.

Before, the default id was ``take-N`` from a counter each run started again at 1: a second run's first take of a
``kick.wav`` was copied to ``kick+take-1.wav`` over the first run's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

RUN = """
import socket, sys, time
from pathlib import Path
from pythonosc.osc_message import OscMessage
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.processing import Trim

inbox, live = Path(sys.argv[1]), Path(sys.argv[2])
context = NodeContext(inbox)
source = FolderSource("inbox", {"folder": str(inbox), "include_existing": True, "poll_interval": 0.01,
                                "settle_time": 0.05}, context)
source.start()
deadline = time.monotonic() + 20
while not context.emitted and time.monotonic() < deadline:
    time.sleep(0.01)
source.stop()
((_, take),) = context.emitted
trim = Trim("trim", {})
trim.start()
trim.handle("take", take)
((_, trimmed),) = trim.context.emitted
listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listener.bind(("127.0.0.1", 0))
listener.settimeout(10)
node = AbletonLive("live", {"port": listener.getsockname()[1], "folder": str(live)})
node.start()
node.on_assignment(SlotAssignment("Toms", trimmed, "drum", 0.9))
message = OscMessage(listener.recv(65536))
while message.address == "/exsampling/ping":  # the node's hello to Live at its start
    message = OscMessage(listener.recv(65536))
print(message.params[1])
node.stop()
"""


def run_once(inbox: Path, live: Path, level: float) -> Path:
    """One run of a patch: ``kick.wav`` at ``level`` dropped into ``inbox``, read, trimmed and sent to Live; the
    file Live was told to load."""
    inbox.mkdir()
    sound = np.concatenate([np.zeros(2400), np.full(4800, level), np.zeros(2400)]).astype(np.float32)
    sf.write(inbox / "kick.wav", sound, 48000)
    done = subprocess.run([sys.executable, "-c", RUN, str(inbox), str(live)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip().splitlines()[-1])


def test_a_second_run_of_a_folder_source_keeps_the_first_runs_copy_for_live(tmp_path: Path) -> None:
    live = tmp_path / "live"
    first = run_once(tmp_path / "show-1", live, 0.1)
    second = run_once(tmp_path / "show-2", live, 0.3)
    assert first.parent == second.parent == live.resolve()
    assert first.name.startswith("kick+take-") and second.name.startswith("kick+take-")  # named as performers see
    assert first != second
    for path, level in ((first, 0.1), (second, 0.3)):  # each run's copy intact: the first not overwritten
        samples, _ = sf.read(path, dtype="float32")
        assert abs(float(np.max(np.abs(samples))) - level) < 1e-3, path  # the 16-bit file's level
