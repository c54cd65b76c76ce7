"""`exsampling replay --patch` of a take that went to a confidence gate's fallback slot live: one the gate passed
whose labels have no slot in the map's table (meta ``gate_fallback_slot``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from exsampling_patch.cli import main

from .show_rig import RATE, bark_show, lines_of

PATCH = f"""exsampling_patch: 1
nodes:
- id: gate
  type: confidence_gate
  params: {{threshold: 0.4, fallback_slot: Wind}}
- id: map
  type: slot_map
  params: {{base_table: empty, table: {{kick: Bass}}}}
- id: sampler
  type: sampler
  params: {{device: none, virtual_port: '', slots: 2, slot_names: [Bass, Wind], sample_rate: {RATE}}}
links:
- gate.passed -> map.prediction
- gate.rejected -> map.rejected
- map.slot -> sampler.assign
"""


def test_a_take_the_gate_sent_to_its_fallback_slot_is_replayed_there(tmp_path: Path) -> None:
    # Live, the gate passed "dog 0.99", the map (kick: Bass alone) had no slot for dog and sent it to the gate's
    # fallback slot, Wind. The show log's gate line did not say so (only a rejected take's fallback_slot was logged),
    # and the replay's map gave it no slot: the take was skipped, and the note played on Wind was silent.
    from exsampling_patch.nodes.classify import SlotMap
    from exsampling_patch.nodes.sampler import Sampler

    patch_file, patch, log = bark_show(tmp_path, PATCH, "gate", 1)
    lines = lines_of(log)
    assert [(line["slot"], line["take_id"]) for line in lines if line["event"] == "load"] == [("Wind", "bark")]
    (gate,) = [line for line in lines if line["event"] == "gate"]
    assert (gate["decision"], gate["gate_fallback_slot"], "fallback_slot" in gate) == ("passed", "Wind", False)

    # Replayed through the same patch's map, as `replay --patch` does: loaded in Wind, as live.
    loaded: list[tuple[str, str]] = []
    params = dict(patch.nodes["map"].params)
    Sampler.render_show(Sampler, lines, log.parent, slot_for=Sampler.remapper(SlotMap, params),
                        on_assign=lambda t, slot, take: loaded.append((slot, take)))
    assert loaded == [("Wind", "bark")]
    # A map with a fallback of its own sends it there first, as it would live.
    own = dict(params, fallback="Bass")
    assert Sampler.remapper(SlotMap, own)(gate) == "Bass"

    # The command: the note on Wind's channel sounds the take.
    out = tmp_path / "replayed.wav"
    assert main(["replay", str(log), "--out", str(out), "--patch", str(patch_file)]) == 0
    audio, rate = soundfile.read(out, dtype="float32")
    assert rate == RATE
    assert np.abs(audio).max() == pytest.approx(0.5, rel=0.1)
