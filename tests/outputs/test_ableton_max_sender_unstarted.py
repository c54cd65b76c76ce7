"""``ableton_max``'s take ends once, "not delivered to Live: the OSC sender could not start", when no sender
process can be started for it; its bundle is not sent, nor kept, later.

The patch runs in a child process started by a path to the interpreter that is then removed (a venv deleted or
replaced mid-show): the sender started in place of one that died cannot start, and the hand-over raises. Before,
the take ended at that raise as "slot HH" (console "-> HH", a take that never left), and its bundle stayed with its
end: the stop closed the take again ("kept for the next start"), a second end of one take, and the next start sent
it. Real engine, real processes.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

from exsampling_patch.takes import write_take

from .helpers import sine_take

CHILD = """
    import json, os, sys, time
    from pathlib import Path
    from exsampling_patch.messages import SlotAssignment
    from exsampling_patch.nodes.osc_outbox import any_kept, unsent_path
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.registry import Registry
    from exsampling_patch.runtime import NodeError, TakeEnded
    from exsampling_patch.runtime.engine import Engine
    from exsampling_patch.takes import read_take

    def wait_for(done):
        deadline = time.monotonic() + 30
        while not done() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert done()

    live = Path({live!r})
    # A folder where the sender's lock file goes: the sender ends as it starts (not restarted by its reader).
    (live / ".sent-max.txt.lock").mkdir(parents=True)
    patch = Patch()
    patch.add_node(NodeSpec("max", "ableton_max", {{"port": {port}, "folder": str(live)}}))
    engine = Engine(Registry.default(entry_points=False), base_dir=live.parent)
    ended, errors = [], []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    try:
        wait_for(lambda: any("exited with status" in str(error.error) for error in errors))
        os.unlink(sys.executable)  # no sender can start from now on
        take = read_take(Path({take!r}))
        engine.inject("max", "assignment", SlotAssignment("HH", take, "knock", 0.9))
        wait_for(lambda: bool(ended))
    finally:
        engine.stop()
    print(json.dumps({{"ended": [[end.fate, end.reason] for end in ended], "errors": [str(e.error) for e in errors],
                      "kept": any_kept(unsent_path(live / ".sent-max.txt"))}}))
"""


def interpreter(tmp_path: Path) -> Path:
    """A path to this interpreter that can be removed: a venv of links to this one's."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    shutil.copy(Path(sys.prefix) / "pyvenv.cfg", venv / "pyvenv.cfg")
    (venv / "lib").symlink_to(Path(sys.prefix) / "lib")
    (venv / "bin" / "python3").symlink_to(os.path.realpath(sys.executable))
    return venv / "bin" / "python3"


def test_a_take_no_sender_could_start_for_ends_once_not_delivered(tmp_path: Path) -> None:
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    script = textwrap.dedent(CHILD.format(live=str(tmp_path / "live"), port=device.getsockname()[1],
                                          take=str(take.path)))
    try:
        child = subprocess.run([str(interpreter(tmp_path)), "-c", script], capture_output=True, text=True,
                               timeout=120, cwd=tmp_path)
    finally:
        device.close()
    assert child.returncode == 0, child.stderr
    said = json.loads(child.stdout.splitlines()[-1])
    assert len(said["ended"]) == 1 and said["ended"][0][0] == "slot", said  # once: not again at the stop
    # the raise said after it, by the runtime, in the system's words (01f609e: no class name)
    assert said["ended"][0][1].startswith("slot HH, not delivered to Live: the OSC sender could not start, error in "
                                          "max: No such file or directory"), said
    assert any("starting it again" in error for error in said["errors"]), said
    assert said["kept"] is False  # nor kept for the next start, whose sender would send it
