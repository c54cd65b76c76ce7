"""A model without YAMNet on the shipped trunk, for tests of the path of a model that has none: the shipped model
carries YAMNet since 7 Dec (its head reads [aiSFX | YAMNet] features)."""

from __future__ import annotations

from pathlib import Path

import torch

from exsampling_patch.models.model_file import SHIPPED_MODEL, load_model_file, save_model_file
from exsampling_patch.models.network import SoundNet


def plain_net() -> SoundNet:
    """The shipped trunk under a head of the shipped head's aiSFX columns (its YAMNet columns dropped)."""
    shipped = load_model_file(SHIPPED_MODEL)
    model = SoundNet(len(shipped.labels))
    model.trunk.load_state_dict(shipped.model.trunk.state_dict())
    with torch.no_grad():
        model.head.fc.weight.copy_(shipped.model.head.fc.weight[:, : model.feature_dim])
        model.head.fc.bias.copy_(shipped.model.head.fc.bias)
    return model.eval()


def save_plain_model(folder: Path) -> Path:
    """:func:`plain_net` as a model file ``plain.pt`` in ``folder``, with the shipped int8 trunk; its path."""
    shipped = load_model_file(SHIPPED_MODEL)
    return save_model_file(plain_net(), list(shipped.labels), folder / "plain.pt", {"test": True}, shipped.int8_trunk)
