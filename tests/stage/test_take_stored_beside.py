"""A take's line says where a take writer stored it, even where another branch of the patch failed on it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run

FAILING = '''from exsampling_patch.node import Input, Node
from exsampling_patch.ports import TAKE


class Fails(Node):
    type_name = "fails_on_takes"
    take = Input(TAKE, "takes it fails on")

    def on_take(self, take):
        raise RuntimeError("effect crashed")
'''


def test_a_take_stored_beside_a_failing_node_says_it_was_stored(tmp_path: Path) -> None:
    """The take went to a plugin that failed and, in parallel, to a take writer that stored it: its line said only
    "error in fx: RuntimeError: effect crashed", and a performer took the recording for lost."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "fails.py").write_text(FAILING, encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    sf.write(tmp_path / "inbox" / "kick.wav", np.full(4800, 0.1, np.float32), 48000)
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- id: inbox
  type: folder_source
  params: {folder: inbox, include_existing: true, poll_interval: 0.05}
- id: fx
  type: fails_on_takes
- id: writer
  type: take_writer
  params: {folder: library}
links:
- inbox.take -> fx.take
- inbox.take -> writer.take
""", encoding="utf-8")
    run = Run(str(patch), "--nodes", str(plugins), "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    try:
        run.wait_for("kick.wav from inbox", timeout=60)
    finally:
        run.signal_group()
        run.wait(60)
    (line,) = [line.rstrip("\n") for line in run.stderr if "kick.wav from inbox" in line]
    assert (tmp_path / "library" / "kick.wav").exists()
    assert re.search(r"kick\.wav from inbox, 0\.10 s: error in fx: RuntimeError: effect crashed; stored as "
                     r"library/kick\.wav \(\d+ ms\)$", line), run.output()
