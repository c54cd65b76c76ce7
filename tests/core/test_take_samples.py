"""What a take makes of the samples a node gives it (``Take(...)``, ``take.derive(...)``): integer PCM scaled as
soundfile reads it, a channels-first array refused with its shape."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch import Take
from exsampling_patch.takes import read_take


@pytest.mark.parametrize(("pcm", "expected"), [
    (np.array([-32768, 0, 16384, 32767], np.int16), [-1.0, 0.0, 0.5, 32767 / 32768]),
    (np.array([-2**31, 0, 2**30], np.int32), [-1.0, 0.0, 0.5]),
    (np.array([0, 128, 192, 255], np.uint8), [-1.0, 0.0, 0.5, 127 / 128]),
    (np.array([-128, 0, 64], np.int8), [-1.0, 0.0, 0.5]),
])
def test_integer_pcm_is_scaled_as_soundfile_reads_it(pcm: np.ndarray, expected: list[float]) -> None:
    # Before, derive cast int16 to float32 unscaled: a take of values up to 32767 instead of -1..1.
    take = Take(np.zeros(len(pcm), np.float32), 8000).derive(pcm)
    assert take.samples.dtype == np.float32
    assert np.allclose(take.samples[:, 0], expected)
    assert np.allclose(Take(pcm, 8000).samples[:, 0], expected)


def test_integers_of_no_pcm_format_are_refused() -> None:
    with pytest.raises(ValueError, match="take samples of dtype int64 are no audio format"):
        Take(np.zeros(4, np.float32), 8000).derive(np.array([0, 1, 0, -1], np.int64))


def test_a_channels_first_array_is_refused_with_its_shape() -> None:
    # Before, a (2, 44100) stereo second was read as 2 frames of 44100 channels, without a word.
    take = Take(np.zeros((4, 2), np.float32), 44100)
    with pytest.raises(ValueError, match=re.escape("take samples of shape (2, 44100) look channels-first: samples "
                                                   "are (frames, channels), and this would be 2 frames of 44100 "
                                                   "channels; pass samples.T")):
        take.derive(np.zeros((2, 44100), np.float32))
    assert take.derive(np.zeros((2, 44100), np.float32).T).samples.shape == (44100, 2)
    # Short takes of few channels, and an empty take, are what they say.
    assert take.derive(np.zeros((2, 8), np.float32)).channels == 8
    assert take.derive(np.zeros((0, 16), np.float32)).channels == 16


def test_a_short_piece_of_a_many_channel_take_is_no_channels_first_array(tmp_path: Path) -> None:
    # Before, a piece of fewer frames than channels of a 16-channel take (trimmed to its first 10 frames, one read
    # from a file that short) was refused as channels-first: the node that cut it failed on the take.
    take = Take(np.zeros((48000, 16), np.float32), 48000)
    assert take.derive(take.samples[:10]).samples.shape == (10, 16)
    assert take.derive(np.zeros((10, 16), np.int16)).samples.shape == (10, 16)  # the same layout, as PCM
    sf.write(tmp_path / "short.wav", np.zeros((5, 16), np.float32), 48000, subtype="FLOAT")
    assert read_take(tmp_path / "short.wav").samples.shape == (5, 16)
    with pytest.raises(ValueError, match="look channels-first"):  # still refused where the columns are new
        take.derive(np.zeros((2, 44100), np.float32))
