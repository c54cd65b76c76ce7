"""`exsampling replay --patch` tells a take the other patch's slot map places in no slot (its table has no row for
the take's label, no fallback), a line naming the map and the take, and exits 2 (docs/replay.md). Before, the
remapper's context collected the map's word and nothing read it: the take was left out of the WAV, "wrote", exit 0."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from exsampling_patch.cli import main

from .test_replay_many_channels import show_lines

RATE = 48000

#: A one-slot sampler whose map has a row for cats only: the logged dog has no slot in it.
OTHER = f"""exsampling_patch: 1
nodes:
- id: cats
  type: slot_map
  params: {{base_table: empty, table: {{cat: HH}}}}
- id: sampler
  type: sampler
  params: {{device: none, virtual_port: '', slots: 1, slot_names: [HH], sample_rate: {RATE}}}
links:
- cats.slot -> sampler.assign
"""


def write_show(folder: Path, frame_exact: bool, label: str) -> Path:
    """A show log of take "t", classified ``label``, loaded into HH and played, its audio beside it."""
    soundfile.write(folder / "t.wav", np.resize(np.array([0.5, -0.5], np.float32), 4800), RATE, subtype="FLOAT")
    lines = show_lines(frame_exact)
    lines.insert(1, {"event": "prediction", "t": 0.05, "take_id": "t", "scores": [[label, 0.9]]})
    show = folder / "show.jsonl"
    show.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    (folder / "other.yaml").write_text(OTHER, encoding="utf-8")
    return show


@pytest.mark.parametrize("frame_exact", [False, True], ids=["by-time", "frame-for-frame"])
def test_a_take_the_other_map_places_nowhere_is_told_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                frame_exact: bool) -> None:
    show = write_show(tmp_path, frame_exact, "dog")
    out = tmp_path / "out.wav"
    assert main(["replay", str(show), "--out", str(out), "--patch", str(tmp_path / "other.yaml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[1:] == [
        f"{show}: slot map 'cats': t not replayed: no slot for dog",
        "the replay may not be what the show played: it told 1 problem (exit status 2)"], err
    assert err[0].startswith(f"wrote {out}: ")


@pytest.mark.parametrize("frame_exact", [False, True], ids=["by-time", "frame-for-frame"])
def test_a_take_the_other_map_places_is_replayed_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            frame_exact: bool) -> None:
    show = write_show(tmp_path, frame_exact, "cat")
    out = tmp_path / "out.wav"
    assert main(["replay", str(show), "--out", str(out), "--patch", str(tmp_path / "other.yaml")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("wrote "), err
    audio, _ = soundfile.read(out, dtype="float32")
    assert np.abs(audio).max() > 0.01  # the cat, in HH, played by the note
