"""A take that comes with its own id (a show replayed, a sidecar dropped again) has the same copy name for Live in
every run; a later run's copy of other audio under that id never overwrites the earlier run's, which Live or a slot's
history may still load: it is written beside it (``-2``). The same audio again is the same file, written once.

Before, each run wrote ``<id>.wav`` over the last: Live's sample for the earlier slot changed under it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

RUN = """
import socket, sys
from pathlib import Path
import numpy as np
from pythonosc.osc_message import OscMessage
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.ableton import AbletonLive

live, level = Path(sys.argv[1]), float(sys.argv[2])
take = Take(np.full(4800, level, dtype=np.float32), 48000, take_id="show-take-0007")  # the replayed show's id
listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listener.bind(("127.0.0.1", 0))
listener.settimeout(10)
node = AbletonLive("live", {"port": listener.getsockname()[1], "folder": str(live)})
node.start()
node.on_upcoming(take)  # its copy written ahead, as an upcoming take's is
node.on_assignment(SlotAssignment("Toms", take, "drum", 0.9))
message = OscMessage(listener.recv(65536))
while message.address == "/exsampling/ping":  # the node's hello to Live at its start
    message = OscMessage(listener.recv(65536))
print(message.params[1])
node.stop()
"""


def run_once(live: Path, level: float) -> Path:
    """One run of a patch that sends Live a take of id ``show-take-0007`` at ``level``; the file Live was told."""
    done = subprocess.run([sys.executable, "-c", RUN, str(live), str(level)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip().splitlines()[-1])


def level_of(path: Path) -> float:
    samples, _ = sf.read(path, dtype="float32")
    return float(np.max(np.abs(samples)))


def test_a_later_runs_take_of_the_same_id_never_overwrites_the_earlier_runs_copy(tmp_path: Path) -> None:
    live = tmp_path / "live"
    first = run_once(live, 0.125)
    second = run_once(live, 0.375)  # the show replayed, the take recorded again: other audio, the same id
    assert first.name == "show-take-0007.wav" and second.name == "show-take-0007-2.wav"
    assert level_of(first) == 0.125 and level_of(second) == 0.375  # each run's copy as that run sent it
    third = run_once(live, 0.125)  # the first run's audio again: its copy, not another
    assert third == first and level_of(first) == 0.125
    assert sorted(p.name for p in live.glob("*.wav")) == ["show-take-0007-2.wav", "show-take-0007.wav"]
