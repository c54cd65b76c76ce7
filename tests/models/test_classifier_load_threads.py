"""A classifier given a thread count loads its int8 trunk on that many threads: loaded before the count was set,
it ran on every core beside the show's processes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import torch

from exsampling_patch.models import classifier
from exsampling_patch.models.classifier import Classifier
from exsampling_patch.models.model_file import SHIPPED_MODEL, load_model_file


def test_the_int8_trunk_loads_on_the_classifiers_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    real_load = classifier.load_int8_trunk
    seen: list[int] = []

    def recording_load(*args: Any, **kwargs: Any) -> Any:
        seen.append(torch.get_num_threads())
        return real_load(*args, **kwargs)

    monkeypatch.setattr(classifier, "load_int8_trunk", recording_load)
    loaded = replace(load_model_file(SHIPPED_MODEL), yamnet=None)  # the trunk alone: YAMNet's fusing is not asked
    before = torch.get_num_threads()
    torch.set_num_threads(3)  # as a process on several cores starts, whatever this machine has
    try:
        clf = Classifier(loaded, threads=1)
        assert seen == [1] and clf.threads == torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
