"""Whether a WAV holds the audio its header says it does: a copy or a recording still arriving does not yet.

A WAV's header gives its data's length (:func:`~exsampling_patch.audio_files.wav_header`). A copy writes the whole
header first and the audio after it, so a file cut short says more than it holds; a recorder that sets the length
when it stops says 0 until then, or one that sets it as it records, less than it holds; a copy stalled in a tag
chunk after the audio (a LIST) has that chunk say more than follows. libsndfile reads a copy cut short as the part
there; a recording whose length was never set is read with the length it holds, one whose tag is cut short with its
header's (:func:`~exsampling_patch.audio_files.read_audio`). The folder source waits for such a file to finish.
"""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.audio_files import HEAD, STREAM, chunk_cut_short, held_length, wav_header
from exsampling_patch.wording import counted


def unfinished(path: Path, size: int) -> str:
    """Why the WAV at ``path`` (``size`` bytes) is not whole by its header, in words; '' where it is, or where
    its header says nothing of its length (not a WAV, a stream's length) or cannot be read."""
    try:
        with path.open("rb") as file:
            header = wav_header(file.read(HEAD))
            if header is None:
                return ""
            if header.data_at is not None:
                if header.data_length is None:
                    return ""
                missing = header.data_at + header.data_length - size
                if missing > 0:
                    return f"its header says {counted(missing, 'byte')} more"
                held = held_length(file, header, size)
                # audio, or less than its first frame yet; not a tag after a recording of no frames
                first = size - header.data_at < (header.block_align or 1)
                if header.data_length == 0 and size > header.data_at and (held is not None or first):
                    return "its header gives no length yet (set when its recorder stops)"
                if held is None:
                    tag = chunk_cut_short(file, header, size)  # its audio all there: read as that alone
                    if tag is None:
                        return ""
                    name, more = tag
                    return f"its {name} chunk after the audio says {counted(more, 'byte')} more"
                more = held - header.data_length
                return f"it holds {counted(more, 'byte')} more than its header says (set as it records)"
    except OSError:
        return ""
    # No data chunk in the file's first bytes: a header cut short (by the length the RIFF header gives), or a
    # damaged file, read now and told unreadable.
    # An RF64's real length is in its ds64 chunk: one not read yet is cut short too.
    riff = header.riff_length
    cut = (header.wide and riff == STREAM) or (riff != STREAM and 8 + riff > size)
    return f"its header is cut short ({size} bytes)" if header.walked + 8 > size and cut else ""
