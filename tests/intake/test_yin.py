"""The pitch node's YIN in numpy gives librosa's answers, without librosa's start-up cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import librosa
import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.nodes.processing import PITCH_RATE, resample_for_pitch
from exsampling_patch.nodes.yin import yin

# Pitched and unpitched everyday sounds: a rooster, church bells, a crying baby, a dog, rain, a clock tick.
CLIPS = ["1-26806-A-1.flac", "1-21421-A-46.flac", "1-187207-A-20.flac", "1-100032-A-0.flac", "1-17367-A-10.flac",
         "1-21934-A-38.flac"]


def clip(esc50: Path, name: str) -> tuple[np.ndarray, int]:
    y, rate = sf.read(esc50 / "audio" / name, dtype="float32")
    return y, int(rate)


@pytest.mark.parametrize("name", CLIPS)
def test_yin_gives_librosas_f0_frame_by_frame(esc50: Path, name: str) -> None:
    y, rate = clip(esc50, name)
    y = resample_for_pitch(y, rate)
    ours = yin(y, 40.0, 2000.0, PITCH_RATE, frame_length=2048, hop_length=512)
    theirs = librosa.yin(y, fmin=40.0, fmax=2000.0, sr=PITCH_RATE, frame_length=2048, hop_length=512)
    assert ours.shape == theirs.shape
    cents = np.abs(1200 * np.log2(ours / theirs))
    # The FFTs differ in length and precision (numpy's float64, scipy's float32): a frame whose trough sits
    # on the threshold may pick another one; nearly all frames agree to a hundredth of a cent.
    assert np.mean(cents < 0.01) > 0.98, np.sort(cents)[-10:]
    assert np.median(ours) == pytest.approx(np.median(theirs), rel=1e-4)


@pytest.mark.parametrize(("hz", "rate"), [(55.0, 22050), (440.0, 16000), (1500.0, 22050)])
def test_yin_finds_a_tone_across_the_range(hz: float, rate: int) -> None:
    t = np.arange(rate) / rate
    y = (0.5 * np.sin(2 * np.pi * hz * t) + 0.2 * np.sin(4 * np.pi * hz * t)).astype(np.float32)
    f0 = yin(y, 40.0, min(2000.0, rate / 2), rate, frame_length=2048, hop_length=512)
    assert np.median(f0) == pytest.approx(hz, rel=0.005)  # YIN itself: within 9 cents
    np.testing.assert_allclose(f0, librosa.yin(y, fmin=40.0, fmax=min(2000.0, rate / 2), sr=rate,
                                               frame_length=2048, hop_length=512), rtol=1e-4)


def test_yin_refuses_a_range_it_cannot_search() -> None:
    with pytest.raises(ValueError, match="fmin"):
        yin(np.zeros(4096, dtype=np.float32), 500.0, 100.0, 22050)


def test_resampling_for_pitch_matches_librosas_soxr_hq(esc50: Path) -> None:
    y, rate = clip(esc50, CLIPS[0])
    ours = resample_for_pitch(y, rate)
    theirs = librosa.resample(y, orig_sr=rate, target_sr=PITCH_RATE, res_type="soxr_hq")
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_the_pitch_node_starts_and_estimates_without_importing_librosa(repo: Any) -> None:
    """librosa's yin compiled itself with numba on first use, about 2 CPU seconds of every start-up."""
    script = (
        "import sys, numpy as np\n"
        "from exsampling_patch.messages import Take\n"
        "from exsampling_patch.nodes.processing import Pitch\n"
        "node = Pitch('pitch', {'method': 'yin'})\n"
        "node.start()\n"
        "t = np.arange(48000) / 48000\n"
        "node.handle('take', Take((0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 48000))\n"
        "out = node.context.emitted[-1][1]\n"
        "print(round(out.meta['pitch_hz']), sorted(m for m in ('librosa', 'numba') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["220", "[]"], done.stdout
