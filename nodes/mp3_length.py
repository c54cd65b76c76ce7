"""Whether an MP3 holds the bytes its Xing (or Info) tag says it does: one whose copy stalled does not yet.

LAME, ffmpeg and libsndfile write the tag in the first frame, after an ID3v2 tag if there is one; its byte count
is the MP3's length past that ID3 tag. libsndfile reads an MP3 cut short as a shorter sound, without a word. An
MP3 without the tag says nothing of its length.
"""

from __future__ import annotations

import struct
from pathlib import Path

_FIRST_FRAME = 64  # the tag begins within 4 + 32 bytes (the frame header and the longest side information)


def unfinished_mp3(path: Path, size: int) -> str:
    """Why the MP3 at ``path`` (``size`` bytes) is not whole by its Xing/Info tag, in words; '' where it is, or
    where it says nothing of its length (no tag, not an MP3) or cannot be read."""
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
    except OSError:
        return ""
    if len(frame) < 4 or frame[0] != 0xFF or frame[1] & 0xE0 != 0xE0:
        return ""
    at = max(frame.find(b"Xing", 4), frame.find(b"Info", 4))
    if at < 0 or at + 16 > len(frame):
        return ""
    flags = struct.unpack_from(">I", frame, at + 4)[0]
    if not flags & 2:  # no byte count
        return ""
    length = struct.unpack_from(">I", frame, at + 8 + (4 if flags & 1 else 0))[0]
    missing = start + length - size
    return f"its Xing tag says {missing} byte{'s' if missing > 1 else ''} more" if missing > 0 else ""
