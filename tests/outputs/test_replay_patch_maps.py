"""`exsampling replay --patch` through a patch with several slot maps: the one whose slots reach its sampler."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import soundfile

from exsampling_patch.cli import main
from exsampling_patch.messages import Prediction, Score
from exsampling_patch.runtime import Engine, showlog
from exsampling_patch.validate import load_patch

from .show_rig import RATE, lines_of, sine

SAMPLER = f"""- id: sampler
  type: sampler
  params: {{device: none, virtual_port: '', slots: 2, slot_names: [Bass, Wind], sample_rate: {RATE}}}
"""

LIVE = f"""exsampling_patch: 1
nodes:
- id: map
  type: slot_map
  params: {{base_table: empty, table: {{dog: Bass}}}}
{SAMPLER}links:
- map.slot -> sampler.assign
"""

#: A map tried beside the one that plays, first in the file: its slots reach no sampler.
OTHER = f"""exsampling_patch: 1
nodes:
- id: tried
  type: slot_map
  params: {{base_table: empty, table: {{dog: Wind}}}}
- id: map
  type: slot_map
  params: {{base_table: empty, table: {{dog: Bass}}}}
{SAMPLER}links:
- map.slot -> sampler.assign
"""


def test_replay_through_a_patch_uses_the_map_that_feeds_its_sampler(tmp_path: Path) -> None:
    # The other patch's first map was used: the dog went to Wind, and the note on Bass's channel played silence.
    live = tmp_path / "live.yaml"
    live.write_text(LIVE, encoding="utf-8")
    patch, registry = load_patch(live)
    engine = Engine(registry, workers=2)
    log = tmp_path / "shows" / "show.jsonl"
    show = showlog.ShowLog(log, patch, [], ["sampler"])
    engine.events.subscribe(show, *showlog.KINDS)
    engine.start(patch)
    try:
        engine.inject("map", "prediction", Prediction(sine(220.0, 0.3, 0.5, "bark"), (Score("dog", 0.99),)),
                      source="test")
        assert engine.wait_idle(10.0)
        engine.inject("sampler", "midi", mido.Message("note_on", channel=0, note=60, velocity=127), source="test")
        assert engine.wait_idle(10.0)
    finally:
        engine.stop()
        show.close()
    assert [(line["slot"], line["take_id"]) for line in lines_of(log) if line["event"] == "load"] == [("Bass", "bark")]

    other = tmp_path / "other.yaml"
    other.write_text(OTHER, encoding="utf-8")
    out = tmp_path / "replayed.wav"
    assert main(["replay", str(log), "--out", str(out), "--patch", str(other)]) == 0
    audio, _rate = soundfile.read(out, dtype="float32")
    assert np.abs(audio).max() > 0.25  # the bark, in Bass as live
