"""`exsampling run --json` with a node that prints: its stdout holds the JSON lines alone.

Before: a node's print() in its handler, or on a thread of its own, went to stdout between the JSON lines, and a
script reading them (json.loads per line) failed on it. Now every other print goes to stderr."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run

TALKER = '''
import threading

from exsampling_patch import TAKE, Input, Node


class Talker(Node):
    """Prints what it hears, on its handler and on a thread of its own."""

    type_name = "talker"
    take = Input(TAKE)

    def on_take(self, take):
        print("talker heard", take.take_id)
        thread = threading.Thread(target=lambda: print("talker thread says hello", flush=True))
        thread.start()
        thread.join()
'''


def test_a_nodes_prints_go_to_stderr_not_between_the_json_lines(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    (nodes / "talker.py").write_text(TALKER, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
node_dirs: [{nodes}]
nodes:
- id: inbox
  type: folder_source
  params: {{folder: inbox, poll_interval: 0.05}}
- id: talker
  type: talker
links:
- {{from: inbox.take, to: talker.take}}
""", encoding="utf-8")
    run = Run(str(patch), "--json", "--for", "1.5", "--log", str(tmp_path / "lib.log"))
    run.wait_for("running")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    sf.write(tmp_path / "inbox" / "one.wav", np.zeros(4800, np.float32), 48000)
    assert run.wait(60) == 0, run.output()
    events = [json.loads(line) for line in run.stdout if line.strip()]  # every line parses
    assert events[-1]["event"] == "RunStopped" and events[-1]["takes"] == {"done": 1}, events[-3:]
    err = "".join(run.stderr)
    assert "talker heard" in err and "talker thread says hello" in err, run.output()
