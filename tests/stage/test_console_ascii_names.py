"""A take's file name the terminal's encoding cannot write (an ASCII terminal: PYTHONIOENCODING=ascii), through the
run's --log wrapper of the console's stream: it printed "caf?-?-??.wav", naming no file; now the characters it cannot
write are escaped ("caf\\xe9-..."), the name kept. The real CLI, a real folder source and take writer."""

from __future__ import annotations

import signal
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run

NAME = "café-ñ-日本.wav"
ESCAPED = "caf\\xe9-\\xf1-\\u65e5\\u672c.wav"


def test_a_name_an_ascii_console_cannot_write_is_escaped_not_lost(tmp_path: Path) -> None:
    folder = tmp_path / "Säle"
    (folder / "inbox").mkdir(parents=True)
    sf.write(folder / "inbox" / NAME, np.full(4800, 0.1, np.float32), 48000)
    patch = folder / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n"
                     "- {id: inbox, type: folder_source, params: {folder: inbox, poll_interval: 0.05, "
                     "include_existing: true}}\n"
                     "- {id: writer, type: take_writer, params: {folder: library}}\n"
                     "links:\n- {from: inbox.take, to: writer.take}\n", encoding="utf-8")
    run = Run(str(patch), "--show-log", "none", "--log", str(tmp_path / "run.log"),
              env={"PYTHONIOENCODING": "ascii"})
    run.wait_for("stored as")
    run.process.send_signal(signal.SIGINT)
    assert run.wait(60) == 128 + signal.SIGINT
    err = "".join(run.stderr)
    line = next(line for line in run.stderr if "stored as" in line)
    assert f"{ESCAPED} from inbox" in line and f"stored as library/{ESCAPED}" in line, line
    assert "S\\xe4le" in err, err  # the folder's name in the source's line
    assert "caf?" not in err, err
