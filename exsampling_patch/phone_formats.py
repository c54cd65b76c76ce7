"""Recordings that phones and their apps make and that libsndfile (so this build) does not read, told apart by
their first bytes: said in words where such a file is met ("not an audio file" told people it held no sound)."""

from __future__ import annotations

from pathlib import Path

#: Leading bytes of recordings that phones make and libsndfile does not read: (offset, bytes, what it is).
PHONE_FORMATS = ((4, b"ftyp", "an MP4/M4A (AAC) recording"), (0, b"#!AMR", "an AMR recording"),
                 (0, b"\x1aE\xdf\xa3", "a WebM/Matroska recording"), (0, b"\xff\xf1", "an AAC recording"),
                 (0, b"\xff\xf9", "an AAC recording"))  # the last two: ADTS, a raw .aac's frames

#: What libsndfile (soundfile) reads that takes come as: named where a file is not one of them (classify, a take).
READABLE = "WAV, FLAC, OGG, MP3, AIFF"

#: File names of the recordings phone apps make in those formats (Voice Memos' and Android recorders' .m4a, old
#: phones' .amr); not .mp4 nor .webm, which a card or a synced folder holds as videos.
PHONE_PATTERNS = ("*.m4a", "*.aac", "*.amr")


def unreadable_recording(path: Path) -> str:
    """What recording ``path`` holds, by its first bytes, where it is one of :data:`PHONE_FORMATS`; '' otherwise."""
    try:
        with path.open("rb") as file:
            head = file.read(16)
    except OSError:
        return ""
    return next((what for at, magic, what in PHONE_FORMATS if head[at:at + len(magic)] == magic), "")


def convert_hint(path: Path, kind: str) -> str:
    """``kind`` (from :func:`unreadable_recording`) said with what to do about it."""
    return (f"{kind}, which this build cannot read: convert it to WAV or FLAC "
            f"(ffmpeg -i '{path.name}' '{path.stem}.wav')")


def sndfile_why(error: Exception) -> str:
    """Why libsndfile (soundfile) could not read a file, in its own words without the Python text around them:
    its message was "Error opening b'/path/take.wav': Format not recognised.", a bytes literal and the file's whole
    path on the console line that already names the file. Any other error: its own text."""
    said = getattr(error, "error_string", None)
    if not isinstance(said, str) or not said:
        return str(error)
    if said.startswith("Format not recognised"):
        return f"not an audio file that can be read ({READABLE}, ...)"
    return said.rstrip(".")
