"""What field recorders and phone apps write, dropped into a watched folder: each read whole, once, and stored by a
take writer keeping its format where it can write it (through a real engine, with the stage console's lines)."""

from __future__ import annotations

import io
import struct
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from .test_folder_odd_names import run_show

RATE = 96000


def sound(channels: int) -> np.ndarray:
    ramp = (np.arange(RATE // 10, dtype=np.float32) % 1000 - 500) / 1000
    return np.stack([ramp * (c + 1) / channels for c in range(channels)], axis=1)


def encoded(samples: np.ndarray, rate: int = RATE, **kind: str) -> bytes:
    out = io.BytesIO()
    sf.write(out, samples, rate, **kind)
    return out.getvalue()


def with_bext(wav: bytes) -> bytes:
    """A Broadcast WAV: a ``bext`` chunk (description, originator, time) before ``fmt``, as recorders write."""
    bext = b"Scene 4 take 2".ljust(256, b"\0") + b"FieldRec".ljust(32, b"\0") + bytes(602 - 288)
    body = wav[12:]
    chunk = b"bext" + struct.pack("<I", len(bext)) + bext
    return b"RIFF" + struct.pack("<I", 4 + len(chunk) + len(body)) + b"WAVE" + chunk + body


def test_a_recorders_files_are_read_whole_and_stored(tmp_path: Path) -> None:
    """24-bit, 32-bit float, BWF, RF64, stereo at 96 kHz, FLAC: read whole, stored in their own format."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    mono, stereo = sound(1), sound(2)
    files = {
        b"ZOOM0001.WAV": encoded(stereo, format="WAV", subtype="PCM_24"),
        b"float.wav": encoded(mono, format="WAV", subtype="FLOAT"),
        b"bwf.wav": with_bext(encoded(stereo, format="WAV", subtype="PCM_24")),
        b"long.wav": encoded(stereo, format="RF64", subtype="PCM_24"),
        b"take.flac": encoded(stereo, format="FLAC", subtype="PCM_24"),
    }
    lines = run_show(inbox, files, len(files))
    stored_as = {name.decode(): Path(name.decode()).with_suffix(Path(name.decode()).suffix.lower()).name
                 for name in files}
    assert sorted(lines) == sorted(f"{name} from inbox, 0.10 s: stored as library/{stored}"
                                   for name, stored in stored_as.items()), lines
    library = tmp_path / "library"
    for name in files:
        stored, rate = sf.read(library / Path(name.decode()).with_suffix(Path(name.decode()).suffix.lower()),
                               dtype="float32", always_2d=True)
        source = mono if name == b"float.wav" else stereo
        assert rate == RATE and stored.shape == source.shape, name
        np.testing.assert_allclose(stored, source, atol=2 ** -22)


def test_an_mp3_or_aiff_is_stored_as_wav(tmp_path: Path) -> None:
    """The folder source reads MP3 and AIFF by default (a phone app's MP3, an old AIFF one-shot); the writer could
    not write them: each was 'error in writer: cannot write a take as '.mp3'', stored nowhere."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    mono = sound(1)
    files = {b"memo.mp3": encoded(mono, 48000, format="MP3"),
             b"hit.aiff": encoded(mono, format="AIFF", subtype="PCM_24")}
    lines = run_show(inbox, files, len(files))
    assert sorted(line.split(",")[0] for line in lines) == ["hit.aiff from inbox", "memo.mp3 from inbox"], lines
    assert sorted(line.split("stored as ")[1] for line in lines) == ["library/hit.wav", "library/memo.wav"], lines
    library = tmp_path / "library"
    assert sorted(p.name for p in library.glob("*.wav")) == ["hit.wav", "memo.wav"]
    stored, rate = sf.read(library / "hit.wav", dtype="float32")
    assert rate == RATE and sf.info(library / "hit.wav").subtype == "PCM_24"
    np.testing.assert_allclose(stored, mono[:, 0], atol=2 ** -22)
    assert sf.info(library / "memo.wav").frames >= len(mono)  # decoded whole (an encoder's padding may add)


def test_an_opus_voice_note_becomes_a_take(tmp_path: Path) -> None:
    """A voice note's .opus (Ogg Opus: WhatsApp, Telegram, recorder apps), which libsndfile reads. Before, it matched
    none of the default patterns: a note dropped into the folder was passed over without a word."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    voice = sound(1)
    lines = run_show(inbox, {b"note.opus": encoded(voice, 48000, format="OGG", subtype="OPUS")}, 1)
    assert lines == ["note.opus from inbox, 0.20 s: stored as library/note.wav"], lines
    stored, rate = sf.read(tmp_path / "library" / "note.wav", dtype="float32")
    assert rate == 48000 and stored.shape == (len(voice),)


def test_a_phones_m4a_is_told_once_with_what_to_convert_it_to(tmp_path: Path) -> None:
    """Voice Memos and Android recorders make .m4a (AAC), which this build cannot read. Before, the folder source
    passed it over without a word: the take a phone synced into the folder never came, and nothing said why."""
    memo = tmp_path / "made.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.2", "-c:a", "aac",
                    str(memo)], check=True, timeout=60)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = run_show(inbox, {b"Memo 12.m4a": memo.read_bytes()}, 1)
    assert first == ["Memo 12.m4a from inbox: error in inbox: unreadable: an MP4/M4A (AAC) recording, which this "
                     "build cannot read: convert it to WAV or FLAC (ffmpeg -i 'Memo 12.m4a' 'Memo 12.wav')"], first
    # The next start, files there included: told already, not again.
    again = run_show(inbox, {b"next.wav": encoded(sound(1), format="WAV")}, 1)
    assert again == ["next.wav from inbox, 0.10 s: stored as library/next.wav"], again


def test_a_file_with_a_long_name_is_stored_under_a_name_cut_short(tmp_path: Path) -> None:
    """A name of 80 Japanese characters is 240 bytes, within the 255 a name may have; the writer's temporary file
    for its sidecar added 28 more: 'error in writer: File name too long', the take stored nowhere."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    long_name = "渋谷の交差点" * 13 + "雨.wav"
    lines = run_show(inbox, {long_name.encode(): encoded(sound(1), format="WAV")}, 1)
    stored = [p.name for p in (tmp_path / "library").glob("*.wav")]
    assert len(stored) == 1 and long_name.startswith(stored[0][:-4]) and len(stored[0].encode()) <= 204, stored
    assert lines == [f"{long_name} from inbox, 0.10 s: stored as library/{stored[0]}"], lines
