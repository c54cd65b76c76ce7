"""Audio files as takes are read from and written to: their samples, what a WAV's header says of its length.

A WAV's header gives its audio's length (RIFF's ``data`` chunk; RF64's and BW64's ``ds64`` chunk, 64-bit), set by
many recorders only when they stop. One whose recorder stopped before that (its battery died, the card pulled out)
says 0, or the length it last set, though its audio is all there: libsndfile reads it as no audio, or as that part.
:func:`read_audio` reads such a file with the length it holds, in whole frames, through a copy of its header
with that length (the file itself is left as it is: a card may be read-only, and it is the recording).
"""

from __future__ import annotations

import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

HEAD = 1 << 16
"""How much of a WAV :func:`wav_header` is given: the chunks before the audio (fmt, bext, iXML, a JUNK pad) are far
shorter."""
STREAM = 0xFFFFFFFF  # a RIFF length of a stream written without knowing its end (and RF64's "see ds64")
_ID3V1 = 128  # an ID3v1 tag ("TAG" and 125 bytes) that some taggers append to a WAV, after its chunks


@dataclass(frozen=True)
class WavHeader:
    """What a WAV's first bytes say of its audio."""

    wide: bool  # RF64 or BW64: the lengths are in the ds64 chunk
    riff_length: int  # of all that follows the first 8 bytes, by the header (ds64's where there is one)
    data_at: int | None  # where the audio begins; None where no data chunk is in the bytes read
    data_length: int | None  # the audio's length by the header; None where it says none (a stream's)
    block_align: int  # bytes a frame takes (fmt's); 0 where no fmt chunk came before the audio
    ds64_at: int | None  # where the ds64 chunk's lengths begin
    walked: int  # where the walk through the chunks stopped (the data chunk's start where it was found)


def wav_header(head: bytes) -> WavHeader | None:
    """What the first bytes of a file (:data:`HEAD` of them) say of a WAV's audio; None where it is no WAV."""
    if len(head) < 12 or head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64", b"BW64"):
        return None
    wide = head[:4] != b"RIFF"
    riff_length: int = struct.unpack_from("<I", head, 4)[0]
    data_length: int | None = None
    ds64_at = None
    block_align = 0
    at = 12
    while at + 8 <= len(head):
        chunk, length = head[at:at + 4], struct.unpack_from("<I", head, at + 4)[0]
        if chunk == b"ds64" and at + 8 + 24 <= len(head):
            riff_length, data_length = struct.unpack_from("<QQ", head, at + 8)
            ds64_at = at + 8
        elif chunk == b"fmt " and at + 8 + 14 <= len(head):
            block_align = struct.unpack_from("<H", head, at + 8 + 12)[0]
        elif chunk == b"data":
            if not wide or length != STREAM:
                data_length = length
            return WavHeader(wide, riff_length, at + 8, None if data_length == STREAM else data_length, block_align,
                             ds64_at, at)
        at += 8 + length + (length & 1)
    return WavHeader(wide, riff_length, None, data_length, block_align, ds64_at, at)


def held_length(file: BinaryIO, header: WavHeader, size: int) -> int | None:
    """The length of the audio that a WAV of ``size`` bytes holds, in whole frames, where its header's was never
    written: 0, or less than it holds with no chunk after it (a length set as it recorded, its last never set, so
    its RIFF length goes no further either).
    None where the header's stands: it says as much as there is, or more (a copy still arriving), or none; or what
    follows its audio is a chunk, an ID3v1 tag, zeros (a file padded) or less than a frame."""
    if header.data_at is None or header.data_length is None:
        return None
    held = size - header.data_at
    held -= held % (header.block_align or 1)
    if header.data_length >= held:
        return None
    # What follows the audio may be chunks of its own (a LIST, an id3): not audio. After no audio too: a recording
    # of no frames, tagged, had its tag read as 13 frames of loud audio (libsndfile: none).
    end = header.data_at
    if header.data_length:
        end = _next_chunk(file, header, header.data_at, header.data_length, size)
        if end + (header.block_align or 1) > size:  # its pad byte, or less than a frame
            return None
    file.seek(end)
    after = file.read(8)
    # A chunk's name, and its length fits or the RIFF length goes past the audio (a tag whose copy stalled, or
    # whose tagger wrote a wrong length: its bytes read as audio were a loud click). Not a name alone: loud
    # 16-bit audio after a stale length looks like one about once in 200 recordings, which would be cut there.
    if _named(after) and (end + 8 + struct.unpack_from("<I", after, 4)[0] <= size
                          or (header.riff_length != STREAM and 8 + header.riff_length > end)):
        return None
    if size - end == _ID3V1 and after.startswith(b"TAG"):
        return None
    if header.data_length and _zeros(file, end, size):  # padded (to a card's cluster): audio that went on would
        return None  # be silence alone
    return held


def chunk_cut_short(file: BinaryIO, header: WavHeader, size: int) -> tuple[str, int] | None:
    """A chunk after a WAV's audio (as long as its header says) that says it is longer than the rest of the file
    (a copy still arriving, or a tagger's wrong length): its name and how many bytes more it says; None where none.
    """
    if header.data_at is None or not header.data_length:
        return None
    at = _next_chunk(file, header, header.data_at, header.data_length, size)
    while at + 8 <= size:
        file.seek(at)
        chunk = file.read(8)
        if not _named(chunk) or (size - at == _ID3V1 and chunk.startswith(b"TAG")):
            return None
        length = struct.unpack_from("<I", chunk, 4)[0]
        if at + 8 + length > size:
            return chunk[:4].decode("ascii").strip(), at + 8 + length - size
        at = _next_chunk(file, header, at + 8, length, size)
    return None


def _next_chunk(file: BinaryIO, header: WavHeader, start: int, length: int, size: int) -> int:
    """Where the chunk after one of ``length`` bytes from ``start`` begins: after its pad byte where the length is
    odd (RIFF keeps chunks word-aligned), or right after it where a writer left the pad out: where a whole chunk
    begins there and none one byte on (one byte off, a LIST reads as an 'ISTA' chunk gigabytes long, or as audio)."""
    end = start + length
    if length & 1 and not _whole_chunk(file, header, end + 1, size) and _whole_chunk(file, header, end, size):
        return end
    return end + (length & 1)


def _whole_chunk(file: BinaryIO, header: WavHeader, at: int, size: int) -> bool:
    """Whether a chunk's name begins at ``at``, and its length ends within the file or the RIFF length."""
    file.seek(at)
    chunk = file.read(8)
    if not _named(chunk):
        return False
    ends = at + 8 + struct.unpack_from("<I", chunk, 4)[0]
    return ends <= size or (header.riff_length != STREAM and ends <= 8 + header.riff_length)


def _named(chunk: bytes) -> bool:
    """Whether ``chunk`` (8 bytes read) begins as a chunk does: a name of 4 printable ASCII characters."""
    return len(chunk) == 8 and all(0x20 <= b <= 0x7E for b in chunk[:4])


def _zeros(file: BinaryIO, start: int, end: int) -> bool:
    """Whether the bytes of ``file`` from ``start`` to ``end`` are all zero (read until one is not)."""
    file.seek(start)
    while start < end:
        block = file.read(min(HEAD, end - start))
        if block.count(0) != len(block):
            return False
        if not block:  # shorter than it was
            break
        start += len(block)
    return True


def _with_length(head: bytes, header: WavHeader, held: int) -> bytes:
    """The WAV header ``head`` (up to its audio) saying the audio is ``held`` bytes long."""
    assert header.data_at is not None
    fixed = bytearray(head[:header.data_at])
    if header.ds64_at is not None:
        struct.pack_into("<QQ", fixed, header.ds64_at, header.data_at - 8 + held, held)
        struct.pack_into("<I", fixed, header.data_at - 4, STREAM)  # the length is ds64's
    else:  # past 4 GiB a RIFF cannot say it: a stream's length, which libsndfile reads to the file's end
        struct.pack_into("<I", fixed, 4, min(header.data_at - 8 + held, STREAM))
        struct.pack_into("<I", fixed, header.data_at - 4, min(held, STREAM))
    return bytes(fixed)


class _HeadReplaced:
    """A file read with its first bytes replaced (soundfile reads a file-like object through libsndfile)."""

    def __init__(self, file: BinaryIO, head: bytes, size: int) -> None:
        self._file, self._head, self._size, self._at = file, head, size, 0

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._at, os.SEEK_END: self._size}[whence]
        self._at = max(0, base + offset)
        return self._at

    def tell(self) -> int:
        return self._at

    def read(self, count: int = -1) -> bytes:
        count = max(0, self._size - self._at) if count < 0 else count
        out = self._head[self._at:self._at + count]
        if len(out) < count:
            self._file.seek(self._at + len(out))
            out += self._file.read(count - len(out))
        self._at += len(out)
        return out


def read_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, int, str]:
    """Read all of an audio file's frames as float32, ``(frames, channels)``; with its sample rate and subtype.

    A WAV whose length was never written (:func:`held_length`) is read with the length it holds.
    """
    # As bytes: soundfile encodes a str path as strict UTF-8, which a name that is not (a Latin-1 card's café.wav,
    # its byte 0xE9 a lone surrogate in the str) cannot be.
    name = os.fsencode(Path(path))
    with open(name, "rb") as file:
        head = file.read(HEAD)
        header = wav_header(head)
        size = os.fstat(file.fileno()).st_size
        held = None if header is None else held_length(file, header, size)
        if header is not None and held is not None:
            with sf.SoundFile(_HeadReplaced(file, _with_length(head, header, held), size)) as handle:
                return handle.read(dtype="float32", always_2d=True), handle.samplerate, handle.subtype
    with sf.SoundFile(name) as handle:
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
