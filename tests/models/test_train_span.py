"""`exsampling train` records in the model file the span of each take its head was trained on: check and the
classifier node tell a patch that scores another (a model of before 3039502a, trained on 5 s, records none)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.cli import main
from exsampling_patch.models.features import CLASSIFIED_SECONDS
from exsampling_patch.models.model_file import load_model_file
from tests.models.plain_model import save_plain_model


def test_train_writes_the_span_it_trained_on(tmp_path: Path) -> None:
    rate = 22050
    t = np.arange(rate // 2) / rate
    for label, freq in (("low", 200.0), ("high", 3000.0)):
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(3):
            tone = 0.3 * np.sin(2 * np.pi * freq * (1 + 0.05 * i) * t)
            sf.write(str(tmp_path / "data" / label / f"{i}.wav"), tone.astype(np.float32), rate)
    out = tmp_path / "mine.pt"
    assert main(["train", str(tmp_path / "data"), "--out", str(out), "--base", str(save_plain_model(tmp_path)),
                 "--threads", "1"]) == 0
    written = load_model_file(out)
    assert written.meta["span_seconds"] == CLASSIFIED_SECONDS == written.trained_span_seconds
