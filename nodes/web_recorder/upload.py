"""Checks an uploaded WAV file strictly and decodes it, without touching the disk.

A RIFF parser of our own (rather than libsndfile) because libsndfile quietly reads a truncated file
as a shorter one; a field recorder must be told that the upload was cut, not get half a take.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

# WAVE_FORMAT_EXTENSIBLE keeps the real format tag in the first two bytes of its sub-format GUID.
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
_SUBTYPES = {(_PCM, 16): "PCM_16", (_PCM, 24): "PCM_24", (_PCM, 32): "PCM_32", (_FLOAT, 32): "FLOAT"}


class UploadError(Exception):
    """An upload that is refused: ``status`` is the HTTP status, the message is shown to the recorder."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def too_large(length: int, limit: int) -> str:
    """The 413's message for a body of ``length`` bytes where the recorder takes ``limit``: the handler's and the busy
    answer's alike."""
    return f"the take is too large: {length / 1e6:.1f} MB (at most {limit / 1e6:.1f} MB)"


@dataclass(frozen=True)
class DecodedWav:
    samples: np.ndarray  # float32, (frames, channels)
    sample_rate: int
    subtype: str


def riff_chunks(read_at: Callable[[int], bytes], size: int) -> Iterator[tuple[bytes, int, int]]:
    """(id, offset of its body, length it announces) of each chunk of a RIFF file of ``size`` bytes, in order;
    ``read_at(pos)`` gives the 8 bytes of a chunk's header at ``pos`` (from memory, or seeking in a file)."""
    pos = 12
    while pos + 8 <= size:
        chunk_id, length = struct.unpack("<4sI", read_at(pos))
        yield chunk_id, pos + 8, length
        pos += 8 + length + (length & 1)  # chunks are padded to an even length


def decode_wav(data: bytes, max_channels: int = 2, min_rate: int = 8000, max_rate: int = 192_000) -> DecodedWav:
    """Decode ``data`` as a WAV file or raise :class:`UploadError` naming what is wrong with it."""
    if len(data) == 0:
        raise UploadError(422, "the upload is empty (zero bytes): nothing was recorded")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        if _multipart(data):  # curl -F, an HTML form: the WAV inside it is fine, its wrapping is not
            raise UploadError(415, "a multipart form, not a WAV file: send the WAV file itself as the request body "
                                   "(curl --data-binary @take.wav, not -F)")
        kind = "an Ogg/Opus file" if data[:4] == b"OggS" else "a WebM file" if data[:4] == b"\x1aE\xdf\xa3" else None
        what = f" (this is {kind})" if kind else ""
        raise UploadError(415, f"not a WAV file{what}: send uncompressed WAV (RIFF/WAVE)")
    fmt: tuple[int, int, int, int, int] | None = None
    for chunk_id, body, size in riff_chunks(lambda pos: data[pos:pos + 8], len(data)):
        if chunk_id == b"fmt ":
            if size < 16 or body + size > len(data):
                raise UploadError(422, "corrupt WAV: the 'fmt ' chunk is cut short")
            tag, channels, rate, _, block_align, bits = struct.unpack_from("<HHIIHH", data, body)
            if tag == _EXTENSIBLE and size >= 40:
                tag = struct.unpack_from("<H", data, body + 24)[0]
            fmt = (tag, channels, rate, block_align, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise UploadError(422, "corrupt WAV: the 'data' chunk comes before the 'fmt ' chunk")
            if body + size > len(data):
                raise UploadError(422, f"corrupt WAV: the data chunk announces {size} bytes but only "
                                       f"{len(data) - body} arrived (upload cut short?)")
            return _decode(data[body:body + size], fmt, max_channels, min_rate, max_rate)
    raise UploadError(422, "corrupt WAV: no 'fmt ' chunk" if fmt is None else "corrupt WAV: no 'data' chunk")


def _multipart(data: bytes) -> bool:
    """Whether ``data`` starts as a multipart/form-data body does: a boundary line, then a part's headers."""
    first, _, rest = data[:1024].partition(b"\r\n")
    return first.startswith(b"--") and len(first) > 2 and b"content-disposition:" in rest[:512].lower()


def _decode(raw: bytes, fmt: tuple[int, int, int, int, int], max_channels: int, min_rate: int,
            max_rate: int) -> DecodedWav:
    tag, channels, rate, block_align, bits = fmt
    subtype = _SUBTYPES.get((tag, bits))
    if subtype is None:
        kind = {1: "integer PCM", 3: "float", 6: "A-law", 7: "mu-law", 2: "ADPCM"}.get(tag, f"format tag {tag}")
        raise UploadError(415, f"unsupported sample format: {bits}-bit {kind}; send 16, 24 or 32-bit PCM "
                               "or 32-bit float")
    if channels < 1:
        raise UploadError(422, "corrupt WAV: it says it has no channels")
    if channels > max_channels:
        raise UploadError(422, f"too many channels: {channels} (this recorder accepts at most {max_channels})")
    if not min_rate <= rate <= max_rate:
        raise UploadError(422, f"unsupported sample rate {rate} Hz (accepted: {min_rate} to {max_rate} Hz)")
    width = bits // 8
    if block_align != width * channels:
        raise UploadError(422, f"corrupt WAV: block align {block_align} does not fit {channels} x {bits}-bit")
    frames = len(raw) // block_align
    if frames == 0:
        raise UploadError(422, "zero-length take: the WAV file holds no audio frames")
    raw = raw[:frames * block_align]
    if subtype == "FLOAT":
        samples = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        if not np.all(np.isfinite(samples)):
            raise UploadError(422, "corrupt WAV: the float samples contain NaN or infinity")
    elif subtype == "PCM_16":
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif subtype == "PCM_32":
        samples = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    else:  # PCM_24: widen three little-endian bytes into the top of an int32
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((b[:, 0] << 8 | b[:, 1] << 16 | b[:, 2] << 24) >> 8).astype(np.float32) / 8388608.0
    return DecodedWav(samples.reshape(frames, channels), rate, subtype)


def encode_wav_pcm16(samples: np.ndarray, sample_rate: int) -> bytes:
    """A 16-bit PCM WAV file of ``samples`` (frames[, channels]) in memory: for tests and benchmarks."""
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    channels = data.shape[1]
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, _PCM, channels,
                         sample_rate, sample_rate * channels * 2, channels * 2, 16, b"data", len(pcm))
    return header + pcm
