"""Audio files as takes are read from and written to: their samples as float32, and the checks they pass."""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import numpy as np
import soundfile as sf


def read_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, int, str]:
    """Read all of an audio file's frames as float32, ``(frames, channels)``; with its sample rate and subtype."""
    # As bytes: soundfile encodes a str path as strict UTF-8, which a name that is not (a Latin-1 card's café.wav,
    # its byte 0xE9 a lone surrogate in the str) cannot be.
    with sf.SoundFile(os.fsencode(Path(path))) as handle:
        return handle.read(dtype="float32", always_2d=True), handle.samplerate, handle.subtype


class UnusableAudio(ValueError):
    """An audio file that reads, but holds no take: no frames, or samples that are not numbers."""


NO_AUDIO = "the file holds no audio"
""":class:`UnusableAudio`'s text for a file of no frames (the classifier's predict_file says it too)."""


def check_audio(samples: np.ndarray) -> None:
    """Refuse samples read from a file that hold no take (read_take and the classifier's predict_file share it).

    Raises:
        UnusableAudio: no frames, or NaN or infinite samples (a damaged float file).
    """
    if samples.shape[0] == 0:
        raise UnusableAudio(NO_AUDIO)
    broken = int(samples.size - np.count_nonzero(np.isfinite(samples)))
    if broken:  # as the recorder refuses such an upload: the file is damaged, not silent
        raise UnusableAudio(f"damaged: {broken} of its samples are NaN or infinite")


def write_audio(path: Path, samples: np.ndarray, sample_rate: int, subtype: str = "FLOAT",
                file_format: str = "WAV") -> None:
    """Write ``samples`` to ``path``: a 32-bit float WAV by :func:`write_float_wav` where this machine's byte order
    is the file's, anything else by libsndfile."""
    if file_format == "WAV" and subtype == "FLOAT" and sys.byteorder == "little":
        write_float_wav(path, samples, sample_rate)
    else:
        sf.write(os.fsencode(path), samples, sample_rate, subtype=subtype, format=file_format)  # see read_audio


def write_float_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write ``(frames, channels)`` float32 samples as a 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT) in one go:
    a header and the sample buffer as it is in memory (quicker than libsndfile: docs/performance.md).

    Little-endian machines only (WAV is little-endian); :func:`~exsampling_patch.takes.write_take` uses it there
    for FLOAT WAVs.
    """
    data = np.ascontiguousarray(samples, dtype=np.float32)
    frames, channels = data.shape
    size = data.nbytes
    header = b"".join([
        b"RIFF", struct.pack("<I", 4 + 26 + 12 + 8 + size), b"WAVE",
        b"fmt ", struct.pack("<IHHIIHHH", 18, 3, channels, sample_rate, sample_rate * channels * 4, channels * 4, 32,
                             0),
        b"fact", struct.pack("<II", 4, frames),
        b"data", struct.pack("<I", size),
    ])
    with open(path, "wb") as handle:
        handle.write(header)
        handle.write(data.data.cast("B"))
