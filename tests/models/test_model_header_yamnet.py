"""`exsampling check` reads a model's header without torch (models/model_header.py): a model whose head was
trained on YAMNet's features of a recipe this code does not compute passed check, and only its load refused it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from exsampling_patch.models import yamnet
from exsampling_patch.models.model_file import ModelFileError, load_model_file
from exsampling_patch.models.model_header import SHIPPED_MODEL, YAMNET_RECIPES, model_file_problem


def test_the_headers_recipes_are_those_yamnet_computes() -> None:
    """Named twice, so that the header's reader imports no torch: they must not drift apart."""
    assert YAMNET_RECIPES == yamnet.KNOWN_FEATURES


def test_check_refuses_a_model_of_an_unknown_recipe_as_its_load_does(tmp_path: Path) -> None:
    blob = torch.load(SHIPPED_MODEL, weights_only=True)
    assert blob["yamnet"]["features"] in YAMNET_RECIPES, "the shipped model carries YAMNet"
    assert model_file_problem(SHIPPED_MODEL) is None
    blob["yamnet"]["features"] = "patches48-meanmax-1"  # before 7 Dec's padding
    path = tmp_path / "stale.pt"
    torch.save(blob, path)
    with pytest.raises(ModelFileError) as raised:
        load_model_file(path)
    told = model_file_problem(path)
    assert told == str(raised.value)
    assert told is not None and "'patches48-meanmax-1'" in told and str(path) in told
