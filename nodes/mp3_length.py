"""Whether an MP3 holds all of what it says it does: one whose copy stalled does not yet.

LAME, ffmpeg and libsndfile write a Xing (or Info) tag in the first frame, after an ID3v2 tag if there is one; its
byte count is the MP3's length past that ID3 tag. An MP3 without one (``-write_xing 0``, an older encoder, a
stream's) says its length only frame by frame: each frame's header gives its own, and one cut short ends past the
file. libsndfile reads an MP3 cut short as a shorter sound, without a word. A copy cut between two frames cannot be
told from a whole file.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from pathlib import Path
from typing import BinaryIO

from exsampling_patch.wording import counted

_FIRST_FRAME = 64  # the tag begins within 4 + 32 bytes (the frame header and the longest side information)
_WINDOW = 1 << 20  # how much of the file a walk through its frames reads at once
#: Layer III bit rates (kbit/s) by the header's index: MPEG-1's, then MPEG-2's and 2.5's.
_BITRATES = ((0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
             (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160))
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # by the version's bits
# (path, size, mtime) -> what the walk found: a file waiting for the rest is asked again at every scan.
_walked: OrderedDict[tuple[Path, int, int], str] = OrderedDict()


def unfinished_mp3(path: Path, size: int) -> str:
    """Why the MP3 at ``path`` (``size`` bytes) is not whole by its Xing/Info tag, or else by its last frame, in
    words; '' where it is, or where it says nothing of its length (not an MP3, a copy cut between two frames) or
    cannot be read."""
    try:
        with path.open("rb") as file:
            head = file.read(10)
            start = 0
            if len(head) == 10 and head[:3] == b"ID3":
                start = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
                start += 10 if head[5] & 0x10 else 0  # a footer
                if start > size:
                    return f"its ID3 tag is cut short ({size} of {start} bytes)"
            file.seek(start)
            frame = file.read(_FIRST_FRAME)
            if len(frame) < 4 or _frame_length(frame) is None:
                return ""
            at = max(frame.find(b"Xing", 4), frame.find(b"Info", 4))
            flags = struct.unpack_from(">I", frame, at + 4)[0] if at >= 0 and at + 16 <= len(frame) else 0
            if not flags & 2:  # no tag, or none giving a byte count
                key = (path, size, path.stat().st_mtime_ns)
                if key not in _walked:
                    _walked[key] = _cut_frame(file, start, size)
                    while len(_walked) > 64:
                        _walked.popitem(last=False)
                return _walked[key]
    except OSError:
        return ""
    length = struct.unpack_from(">I", frame, at + 8 + (4 if flags & 1 else 0))[0]
    missing = start + length - size
    return f"its Xing tag says {counted(missing, 'byte')} more" if missing > 0 else ""


def _frame_length(header: bytes) -> int | None:
    """The length of the MPEG Layer III frame whose header ``header`` begins with; None where it begins none (or
    one of a free bit rate, whose length its header does not give)."""
    if header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate in (0, 15) or rate == 3:
        return None
    padding = (header[2] >> 1) & 1
    return (144 if version == 3 else 72) * _BITRATES[version != 3][bitrate] * 1000 // _RATES[version][rate] + padding


def _cut_frame(file: BinaryIO, start: int, size: int) -> str:
    """Why the frames from ``start`` on end past the file's ``size`` bytes, in words; '' where the last ends at
    the end, or before what is no frame (an ID3v1 or APE tag)."""
    at = window_at = start
    window = b""
    while at < size:
        if at + 4 > window_at + len(window):
            file.seek(at)
            window, window_at = file.read(_WINDOW), at
        header = window[at - window_at:at - window_at + 4]
        if len(header) < 4:
            return "its last frame is cut short" if header[:1] == b"\xff" and at + len(header) >= size else ""
        length = _frame_length(header)
        if length is None:
            return ""
        if at + length > size:
            return f"its last frame is cut short ({size - at} of {length} bytes)"
        at += length
    return ""
