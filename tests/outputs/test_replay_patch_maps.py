"""`exsampling replay --patch` through a patch with several slot maps: the one whose slots reach its sampler."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from exsampling_patch.cli import main

from .show_rig import RATE, bark_show, lines_of

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


#: Beside the sampler, one first in the file with Bass on the second channel: the note on the first is silence there.
SWAPPED = f"""- id: first
  type: sampler
  params: {{device: none, virtual_port: '', slots: 2, slot_names: [Wind, Bass], sample_rate: {RATE}}}
"""


def live_show(tmp_path: Path) -> Path:
    """A show whose dog went to Bass, the first channel, with a note on that channel."""
    _, _, log = bark_show(tmp_path, LIVE, "map", 0)
    assert [(line["slot"], line["take_id"]) for line in lines_of(log) if line["event"] == "load"] == [("Bass", "bark")]
    return log


def replayed(tmp_path: Path, log: Path, patch: str, *extra: str) -> float:
    """The loudest sample of the show replayed through ``patch``."""
    other = tmp_path / "other.yaml"
    other.write_text(patch, encoding="utf-8")
    out = tmp_path / "replayed.wav"
    assert main(["replay", str(log), "--out", str(out), "--patch", str(other), *extra]) == 0
    audio, _rate = soundfile.read(out, dtype="float32")
    return float(np.abs(audio).max())


def test_replay_through_a_patch_uses_the_map_that_feeds_its_sampler(tmp_path: Path) -> None:
    # The other patch's first map was used: the dog went to Wind, and the note on Bass's channel played silence.
    assert replayed(tmp_path, live_show(tmp_path), OTHER) > 0.25  # the bark, in Bass as live


def test_replay_through_a_patch_uses_its_sampler_of_the_sampler_id(tmp_path: Path) -> None:
    # The other patch's first sampler was used whatever --sampler named: Bass on its second channel, silence.
    both = LIVE.replace("- id: sampler", SWAPPED + "- id: sampler", 1) + "- map.slot -> first.assign\n"
    assert replayed(tmp_path, live_show(tmp_path), both, "--sampler", "sampler") > 0.25


def test_replay_through_a_patch_uses_the_sampler_its_slot_map_feeds(tmp_path: Path) -> None:
    # Without --sampler, the file's first sampler was used though no map reached it.
    fed_second = LIVE.replace("- id: sampler", SWAPPED + "- id: sampler", 1)
    assert replayed(tmp_path, live_show(tmp_path), fed_second) > 0.25


def test_replay_through_a_patch_uses_the_sampler_of_the_shows_id_first(tmp_path: Path) -> None:
    # Without --sampler, the first sampler a map fed was used, not the one of the id the show logged: "first", fed by
    # the map as "sampler" is, with Bass on its second channel: silence.
    fed_both = LIVE.replace("- id: sampler", SWAPPED + "- id: sampler", 1) + "- map.slot -> first.assign\n"
    assert replayed(tmp_path, live_show(tmp_path), fed_both) > 0.25
