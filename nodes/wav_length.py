"""Whether a WAV holds the audio its header says it does: a copy or a recording still arriving does not yet.

A WAV's header gives its data's length (RIFF's ``data`` chunk; RF64's and BW64's ``ds64`` chunk, 64-bit). A
copy writes the whole header first and the audio after it, so a file cut short says more than it holds; a
recorder that sets the length when it stops says 0 until then. libsndfile reads either without a word: the
first as the part there, the second as no audio at all. The folder source waits for such a file to finish.
"""

from __future__ import annotations

import struct
from pathlib import Path

_HEAD = 1 << 16  # the chunks before the audio (fmt, bext, iXML, a JUNK pad) are far shorter
_STREAM = 0xFFFFFFFF  # a RIFF length of a stream written without knowing its end (and RF64's "see ds64")


def unfinished(path: Path, size: int) -> str:
    """Why the WAV at ``path`` (``size`` bytes) is not whole by its header, in words; '' where it is, or where
    its header says nothing of its length (not a WAV, a stream's length) or cannot be read."""
    try:
        with path.open("rb") as file:
            head = file.read(_HEAD)
    except OSError:
        return ""
    if len(head) < 12 or head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64", b"BW64"):
        return ""
    wide = head[:4] != b"RIFF"
    riff_length: int = struct.unpack_from("<I", head, 4)[0]  # of all that follows it
    data_length: int | None = None
    at = 12
    while at + 8 <= len(head):
        chunk, length = head[at:at + 4], struct.unpack_from("<I", head, at + 4)[0]
        if chunk == b"ds64" and at + 8 + 24 <= len(head):
            riff_length, data_length = struct.unpack_from("<QQ", head, at + 8)
        elif chunk == b"data":
            if not wide or length != _STREAM:
                data_length = length
            if data_length is None or data_length == _STREAM:
                return ""
            if data_length == 0 and size > at + 8:
                return "its header gives no length yet (set when its recorder stops)"
            missing = at + 8 + data_length - size
            return f"its header says {missing} byte{'s' if missing > 1 else ''} more" if missing > 0 else ""
        at += 8 + length + (length & 1)
    # No data chunk in the file's first bytes: a header cut short (by the length the RIFF header gives), or a
    # damaged file, read now and told unreadable.
    # An RF64's real length is in its ds64 chunk: one not read yet is cut short too.
    cut = (wide and riff_length == _STREAM) or (riff_length != _STREAM and 8 + riff_length > size)
    return f"its header is cut short ({size} bytes)" if at + 8 > size and cut else ""
