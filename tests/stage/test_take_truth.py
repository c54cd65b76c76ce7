"""A take's line says what became of it: a take left waiting in a node, or emitted on an output linked to nothing,
did not end "done". With the default patch's `trim.out -> classifier.take` removed, each take printed "done (live)"
though the slot map held it for a prediction that could never come."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run


def take_line(tmp_path: Path, nodes: str, links: str) -> str:
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
nodes:
- {{id: inbox, type: folder_source, params: {{folder: inbox, poll_interval: 0.05}}}}
- {{id: trim, type: trim}}
{nodes}links:
- inbox.take -> trim.take
{links}""", encoding="utf-8")
    run = Run(str(patch), "--for", "60", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("running")
        (tmp_path / "inbox").mkdir(exist_ok=True)
        tone = 0.3 * np.sin(np.arange(4800) * 2 * np.pi * 220 / 48000)
        sf.write(tmp_path / "inbox" / "one.wav", tone.astype(np.float32), 48000)
        run.wait_for("one.wav from inbox", timeout=60)
    finally:
        run.signal_group()
        run.wait(30)
    return next(line for line in run.stderr if "one.wav from inbox" in line)


def test_a_take_held_in_a_slot_map_for_a_prediction_that_cannot_come_is_not_done(tmp_path: Path) -> None:
    line = take_line(tmp_path, """- {id: pitch, type: pitch, params: {method: yin, max_seconds: 1.0}}
- {id: map, type: slot_map}
- {id: writer, type: take_writer, params: {folder: library}}
""", """- trim.out -> pitch.take
- pitch.out -> map.take
- pitch.out -> writer.take
""")
    assert "done" not in line and "left waiting in map for its prediction" in line, line


def test_a_take_emitted_on_an_output_linked_to_nothing_went_nowhere(tmp_path: Path) -> None:
    line = take_line(tmp_path, "", "")
    assert "done" not in line and "went nowhere: trim.out is linked to nothing" in line, line
