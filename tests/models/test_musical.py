"""Musical one-shots land in their slots: the validation head on a sample pack it never saw.

The validation head (``models/sounds_validation_head.pt``) was trained on ESC-50 folds 1-3 and every musical
source but the LMMS sample pack (Debian's lmms-common: real drum hits and instrument notes). Its one-shots go
through the default patch's chain (trim at 60 dB, the classifier's scoring, slot map by slot) and must land in
their slots at the model card's figure, less a margin; a random head and an ESC-50-only head (the same head
with its musical labels struck out) fall below that floor, so the check is real.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from exsampling_patch.models import load_validation_classifier
from exsampling_patch.models.classifier import SHIPPED_MODEL, Classifier
from exsampling_patch.models.musical import MUSICAL_CLASSES
from exsampling_patch.models.oneshots import DEFAULT_CACHE, build
from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE, normalize_label
from tests.models.slot_chain import right_slot_share, trimmed_take

pytestmark = pytest.mark.slow

MODEL_CARD = SHIPPED_MODEL.parent / "MODEL_CARD.md"
MARGIN = 0.08  # 93 one-shots: a standard error of about 3 points at 85-90%


def card_lmms_figure() -> float:
    """The card's "LMMS one-shots, right slot (no gate)" figure."""
    match = re.search(r"LMMS one-shots, right slot \(no gate\)\*\*[^*]*\*\*([\d.]+)%\*\*", MODEL_CARD.read_text())
    assert match, "the model card states the LMMS slot figure"
    return float(match.group(1)) / 100


@pytest.fixture(scope="module")
def lmms_takes() -> list[tuple[np.ndarray, int, str]]:
    folder = build(DEFAULT_CACHE, ["lmms"], log=False) / "lmms"
    return [(*trimmed_take(path), path.parent.name) for path in sorted(folder.glob("*/*.flac"))]


@pytest.fixture(scope="module")
def validation() -> Classifier:
    return load_validation_classifier()


def test_every_label_has_a_slot(validation: Classifier) -> None:
    labels = set(validation.labels)
    assert {normalize_label(x) for x in labels} <= set(DEFAULT_SLOT_TABLE)
    assert {c.label for c in MUSICAL_CLASSES} <= labels


def test_lmms_one_shots_land_in_their_slots(lmms_takes: list, validation: Classifier) -> None:
    assert len(lmms_takes) >= 90
    assert validation.meta["head"]["data"].endswith("but lmms, drumsynth")
    share = right_slot_share(validation, lmms_takes)
    floor = card_lmms_figure() - MARGIN
    assert share >= floor, f"LMMS one-shots in the right slot: {share:.3f} < {floor:.3f}"


def test_the_check_fails_for_an_esc50_only_head(lmms_takes: list, validation: Classifier) -> None:
    struck = {c.label for c in MUSICAL_CLASSES}
    assert right_slot_share(validation, lmms_takes, struck) < card_lmms_figure() - MARGIN


def test_the_check_fails_for_a_random_head(lmms_takes: list, validation: Classifier) -> None:
    import torch

    model = validation._model
    saved = model.head.fc.weight.detach().clone(), model.head.fc.bias.detach().clone()
    try:
        with torch.no_grad():
            torch.manual_seed(0)
            model.head.fc.weight.normal_(0.0, float(saved[0].std()))
            model.head.fc.bias.zero_()
        assert right_slot_share(validation, lmms_takes) < card_lmms_figure() - MARGIN
    finally:
        with torch.no_grad():
            model.head.fc.weight.copy_(saved[0])
            model.head.fc.bias.copy_(saved[1])
