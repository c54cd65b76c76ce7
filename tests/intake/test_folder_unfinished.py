"""A WAV that holds less than its header says is still arriving: the folder source waits for the rest, however
long a copy to a network share stalls, and reads one cut off for good as it is, saying so (a real engine, a
writer thread copying into a real folder, the stage console's lines)."""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.audio_files import read_audio
from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes.wav_length import unfinished
from tests.intake.folder_show import inbox_to_writer, take_lines

RATE = 8000
SOUND = (np.arange(RATE, dtype=np.float32) % 2000 - 1000) / 4000  # 1 s, each frame told apart: a cut shows


def recording() -> bytes:
    out = io.BytesIO()
    sf.write(out, SOUND, RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()


def show(inbox: Path, writer: Callable[[], None], lines: int, settle: float = 0.5) -> list[str]:
    """A patch inbox -> writer on ``inbox``; ``writer`` run on a thread of its own once it has started. What the
    console said (without times), once it has ``lines`` take lines and a quiet time more."""
    patch, engine, err = inbox_to_writer({"folder": str(inbox), "poll_interval": 0.02, "settle_time": 0.2},
                                         inbox.parent / "library")
    engine.start(patch)
    try:
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(timeout=30)
        deadline = time.monotonic() + 20
        while err.getvalue().count(" from inbox") < lines and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(settle)  # anything more would come now
    finally:
        engine.stop()
    library = f"{inbox.parent / 'library'}/"  # the writer's folder, as the take's line names its file
    return [re.sub(r"^\S+ (.*?)( \(\d+ ms\))?$", r"\1", line).replace(library, "library/")
            for line in take_lines(err)]


@pytest.mark.parametrize("close_events", [True, False])
def test_a_copy_that_stalls_longer_than_the_quiet_time_is_read_once_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_events: bool) -> None:
    """A finished recording copied in three pieces, pausing three times the quiet time between them: on a network
    share nothing says when the copy ends (quiet time alone); a copy appended piece by piece closes it after each.
    Before, a third of it was read and stored, then the whole again: two takes, one cut short."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", close_events)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = recording()

    def copy() -> None:
        third = len(data) // 3 + 1
        for start in range(0, len(data), third):
            with (inbox / "field.wav").open("ab") as out:  # closed after each piece
                out.write(data[start:start + third])
            time.sleep(0.6)

    told = show(inbox, copy, 1)
    assert told == ["field.wav from inbox, 1.0 s: stored as library/field.wav"], told
    stored, _ = sf.read(tmp_path / "library" / "field.wav", dtype="float32")
    np.testing.assert_allclose(stored, SOUND, atol=1 / 32768)


def test_a_copy_cut_off_for_good_is_read_as_it_is_and_said_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy that never finishes (the card pulled out, a recorder whose battery died) is not waited for for ever:
    once unchanged for UNFINISHED_WAIT it is read as it is, once, with a warning naming it."""
    monkeypatch.setattr(folder_module, "UNFINISHED_WAIT", 1.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = recording()
    cut = 44 + 2 * (RATE // 4)  # the header and a quarter of the audio

    def copy() -> None:
        (inbox / "cut.wav").write_bytes(data[:cut])

    told = show(inbox, copy, 1, settle=1.2)
    missing = len(data) - cut
    assert told == [f"warning from node 'inbox': cut.wav: read as it is, unchanged for 1 s though its header says "
                    f"{missing} bytes more: a copy cut off, or a recorder that stopped?",
                    "cut.wav from inbox, 0.25 s: stored as library/cut.wav"], told


def test_a_recording_whose_length_is_set_when_it_stops_is_read_once_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A recorder writing to a network share (quiet time alone) gives its WAV a length of 0 and sets it when it
    stops. Before, a pause longer than the quiet time had it told 'unreadable: the file holds no audio', then read
    again once stopped: an error line for a good take."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = recording()
    assert data[36:40] == b"data"

    def record() -> None:
        with (inbox / "memo.wav").open("wb") as out:
            out.write(data[:4] + bytes(4) + data[8:40] + bytes(4))  # lengths unknown yet
            for start in range(44, len(data), 4000):
                out.write(data[start:start + 4000])
                out.flush()
                time.sleep(0.3)
            out.seek(0)
            out.write(data[:44])  # stopped: the lengths set

    told = show(inbox, record, 1)
    assert told == ["memo.wav from inbox, 1.0 s: stored as library/memo.wav"], told


@pytest.mark.parametrize("kind", ["FLAC", "OGG"])
def test_a_compressed_copy_that_stalls_is_not_told_unreadable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Half a FLAC or an OGG, its copy to a network share stalled longer than the quiet time, cannot be read.
    Before, it was told 'unreadable: flac decoder lost sync' (an error line for a good take), then read whole."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    out = io.BytesIO()
    sf.write(out, SOUND, RATE, format=kind)
    data, name = out.getvalue(), f"take.{kind.lower()}"

    def copy() -> None:
        with (inbox / name).open("wb") as file:
            file.write(data[:len(data) // 2])
            file.flush()
            time.sleep(0.8)
            file.write(data[len(data) // 2:])

    told = show(inbox, copy, 1)
    assert told == [f"{name} from inbox, 1.0 s: stored as library/{name}"], told


def test_a_damaged_file_arriving_unclosed_is_told_once_unchanged_for_the_wait(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unreadable and unchanged for UNFINISHED_WAIT: damaged after all, told once."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", False)
    monkeypatch.setattr(folder_module, "UNFINISHED_WAIT", 1.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def copy() -> None:
        (inbox / "broken.flac").write_bytes(b"fLaC" + bytes(200))

    told = show(inbox, copy, 1, settle=0.5)
    assert len(told) == 1 and told[0].startswith("broken.flac from inbox: error in inbox: unreadable: "), told


@pytest.mark.parametrize("kind", ["damaged", "cut off"])
def test_a_file_that_arrived_long_before_the_start_is_not_waited_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """A file that arrived while the patch was stopped, last written an hour before the start as the folder's clock
    tells: no copy under way. Before, a damaged one was told unreadable, and one cut off read, only once unchanged
    for UNFINISHED_WAIT after the start (here never: an hour)."""
    monkeypatch.setattr(folder_module, "UNFINISHED_WAIT", 3600.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    patch, engine, _ = inbox_to_writer({"folder": str(inbox)}, tmp_path / "library")
    engine.start(patch)  # the first run: the folder's journal, so that the next start sees what arrived since
    engine.stop()
    data = recording()
    name, content = ("broken.flac", b"fLaC" + bytes(200)) if kind == "damaged" else ("cut.wav", data[:44 + 4000])
    (inbox / name).write_bytes(content)
    hour_ago = (inbox / name).stat().st_mtime_ns - 3600 * 10**9
    os.utime(inbox / name, ns=(hour_ago, hour_ago))

    told = show(inbox, lambda: None, 1)
    if kind == "damaged":
        assert len(told) == 1 and told[0].startswith(
            "broken.flac from inbox, arrived while the show was stopped: error in inbox: unreadable: "), told
    else:
        assert told == [f"warning from node 'inbox': cut.wav: read as it is, unchanged for 3600 s though its header "
                        f"says {len(data) - 44 - 4000} bytes more: a copy cut off, or a recorder that stopped?",
                        "cut.wav from inbox, 0.25 s, arrived while the show was stopped: stored as library/cut.wav"], \
            told


@pytest.mark.parametrize("xing", ["1", "0"])
def test_an_mp3_whose_copy_stalls_is_read_once_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xing: str) -> None:
    """An MP3 made by ffmpeg (an ID3 tag, then a Xing tag giving its length, or none: its frames alone say it),
    copied to a network share in two pieces with a stall longer than the quiet time, cut in the middle of a frame.
    Before, its first half was read as a take, then the whole; without a Xing tag, still so until its last frame
    cut short told it was not whole."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", False)
    made = tmp_path / "made.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ar", "44100",
                    "-c:a", "libmp3lame", "-write_xing", xing, str(made)], check=True, timeout=60)
    data = made.read_bytes()
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def copy() -> None:
        with (inbox / "walk.mp3").open("wb") as file:
            file.write(data[:len(data) // 2])
            file.flush()
            time.sleep(0.8)
            file.write(data[len(data) // 2:])

    told = show(inbox, copy, 1)
    assert len(told) == 1 and re.fullmatch(r"walk\.mp3 from inbox, 1\.\d+ s: stored as library/walk\.wav",
                                           told[0]), told


def recorder_left(kind: str) -> tuple[bytes, int]:
    """A recording as its recorder left it when its battery died, and the frames it holds: 24-bit stereo (a field
    recorder's), its header's lengths as they were before it stopped, its last frame half written."""
    stereo = np.stack([SOUND, -SOUND], axis=1)
    out = io.BytesIO()
    sf.write(out, stereo, RATE, format="WAV", subtype="PCM_24")
    data = out.getvalue()
    at = data.index(b"data") + 8
    audio = data[at:] + bytes(4)  # 4 of a frame's 6 bytes
    riff, length = {"zero": (0, 0), "riff set": (at - 8, 0), "set as it records": (at - 8 + 6000, 6000)}[kind]
    return data[:4] + struct.pack("<I", riff) + data[8:at - 4] + struct.pack("<I", length) + audio, RATE


@pytest.mark.parametrize("kind", ["zero", "riff set", "set as it records"])
def test_a_recording_whose_length_was_never_written_is_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """A recorder that sets its WAV's length when it stops (at 0 until then, or as it records), whose battery died
    before it could: all its audio is there. Before, once unchanged for UNFINISHED_WAIT, the file was told
    'unreadable: the file holds no audio', or read as the part its header last gave: the recording lost."""
    monkeypatch.setattr(folder_module, "UNFINISHED_WAIT", 1.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data, frames = recorder_left(kind)

    def record() -> None:
        with (inbox / "field.wav").open("wb") as out:
            for start in range(0, len(data), 8000):
                out.write(data[start:start + 8000])
                out.flush()
                time.sleep(0.05)

    told = show(inbox, record, 1, settle=0.5)
    why = ("its header gives no length yet (set when its recorder stops)" if kind != "set as it records" else
           f"it holds {6 * frames - 6000} bytes more than its header says (set as it "
           "records)")
    assert told == [f"warning from node 'inbox': field.wav: read as it is, unchanged for 1 s though {why}: a copy "
                    "cut off, or a recorder that stopped?",
                    "field.wav from inbox, 1.0 s: stored as library/field.wav"], told
    stored, _ = sf.read(tmp_path / "library" / "field.wav", dtype="float32")
    assert stored.shape == (frames, 2)
    np.testing.assert_allclose(stored, np.stack([SOUND, -SOUND], axis=1), atol=1 / 32768)


@pytest.mark.parametrize("after", ["a LIST chunk", "an ID3v1 tag", "zeros", "a pad byte"])
def test_a_recording_with_more_after_its_audio_is_read_at_once(tmp_path: Path, after: str) -> None:
    """A WAV whose audio is followed by what is no audio: a LIST chunk (a recorder's notes), an ID3v1 tag (a
    tagger's), zeros (padded to a card's cluster), the pad byte of an odd length. Its length stands: nothing waits,
    and none of it is read as audio."""
    sound = SOUND[:-1] if after == "a pad byte" else SOUND
    out = io.BytesIO()
    sf.write(out, sound, RATE, format="WAV", subtype="PCM_U8" if after == "a pad byte" else "PCM_16")
    data = out.getvalue()
    tail = {"a LIST chunk": b"LIST" + struct.pack("<I", 12) + b"INFOICMT" + struct.pack("<I", 0),
            "an ID3v1 tag": b"TAG" + b"Walk".ljust(125, b"\0"), "zeros": bytes(4096 - len(data) % 4096),
            "a pad byte": b""}[after]  # libsndfile writes it after the 7999 bytes of audio
    if after == "a LIST chunk":
        data = data[:4] + struct.pack("<I", len(data) - 8 + len(tail)) + data[8:]
    data += tail
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def copy() -> None:
        (inbox / "noted.wav").write_bytes(data)

    told = show(inbox, copy, 1)
    assert told == ["noted.wav from inbox, 1.0 s: stored as library/noted.wav"], told
    stored, _ = sf.read(tmp_path / "library" / "noted.wav", dtype="float32")
    np.testing.assert_allclose(stored, sound, atol=1 / 128 if after == "a pad byte" else 1 / 32768)


NOTES = b"INFOICMT" + struct.pack("<I", 88) + bytes(range(0x20, 0x78))  # a comment, its text loud as samples


def tagged(claimed: int) -> bytes:
    """:data:`SOUND` as a 16-bit WAV, then a LIST chunk of :data:`NOTES` saying it is ``claimed`` bytes long; its
    RIFF length counting what follows the audio as it is."""
    out = io.BytesIO()
    sf.write(out, SOUND, RATE, format="WAV", subtype="PCM_16")
    data = out.getvalue()
    tail = b"LIST" + struct.pack("<I", claimed) + NOTES
    return data[:4] + struct.pack("<I", len(data) - 8 + len(tail)) + data[8:] + tail


@pytest.mark.parametrize("kind", ["a wrong length", "a copy cut off in it"])
def test_a_tag_longer_than_the_rest_of_the_file_is_not_read_as_audio(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """A LIST chunk after the audio saying more than follows (a tagger's wrong length, or a copy cut off in it):
    waited for as a copy still arriving, then the audio read as its header says, the tag no part of it. Before, the
    rest of the file was read as audio: 54 frames more, a click at 0.93 of full scale."""
    monkeypatch.setattr(folder_module, "UNFINISHED_WAIT", 1.0)
    data = tagged(400) if kind == "a wrong length" else tagged(len(NOTES))[:-60]
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def copy() -> None:
        (inbox / "noted.wav").write_bytes(data)

    told = show(inbox, copy, 1, settle=1.2)
    more = 400 - len(NOTES) if kind == "a wrong length" else 60
    assert told == [f"warning from node 'inbox': noted.wav: read as it is, unchanged for 1 s though its LIST chunk "
                    f"after the audio says {more} bytes more: a copy cut off, or a recorder that stopped?",
                    "noted.wav from inbox, 1.0 s: stored as library/noted.wav"], told
    stored, _ = sf.read(tmp_path / "library" / "noted.wav", dtype="float32")
    np.testing.assert_allclose(stored, SOUND, atol=1 / 32768)


@pytest.mark.parametrize("close_events", [True, False])
def test_a_copy_that_stalls_in_a_tag_after_the_audio_is_read_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_events: bool) -> None:
    """A copy stalled in a LIST chunk after the audio, longer than the quiet time: its audio is all there, but it
    is waited for, as a copy stalled in its audio is; read once, when whole (not once now and again once whole)."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", close_events)
    data = tagged(len(NOTES))
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def copy() -> None:
        for piece in (data[:-60], data[-60:]):
            with (inbox / "noted.wav").open("ab") as out:  # closed after each piece
                out.write(piece)
            time.sleep(0.8)

    told = show(inbox, copy, 1)
    assert told == ["noted.wav from inbox, 1.0 s: stored as library/noted.wav"], told


def test_a_recording_cut_short_where_its_audio_reads_as_a_chunk_name_is_read_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A recorder that sets its lengths as it records, stopped with its audio going on past them: where that audio
    happens to read as a chunk's name (loud samples do, now and then) and a length past the file's end, it is still
    audio (its RIFF length goes no further than its data's), read whole once unchanged for UNFINISHED_WAIT."""
    monkeypatch.setattr(folder_module, "UNFINISHED_WAIT", 1.0)
    sound = SOUND.copy()
    sound[2000:2004] = np.frombuffer(b"LIST" + struct.pack("<I", 1 << 30), "<i2") / 32768
    out = io.BytesIO()
    sf.write(out, sound, RATE, format="WAV", subtype="PCM_16")
    data = out.getvalue()
    at = data.index(b"data") + 8
    data = data[:4] + struct.pack("<I", at - 8 + 4000) + data[8:at - 4] + struct.pack("<I", 4000) + data[at:]
    assert data[at + 4000:at + 4004] == b"LIST"
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def record() -> None:
        (inbox / "loud.wav").write_bytes(data)

    told = show(inbox, record, 1, settle=1.2)
    assert told == ["warning from node 'inbox': loud.wav: read as it is, unchanged for 1 s though it holds "
                    f"{2 * RATE - 4000} bytes more than its header says (set as it records): a copy cut off, or a "
                    "recorder that stopped?", "loud.wav from inbox, 1.0 s: stored as library/loud.wav"], told
    stored, _ = sf.read(tmp_path / "library" / "loud.wav", dtype="float32")
    np.testing.assert_allclose(stored, sound, atol=1 / 32768)


COMMENT = b"Walk by the river, then the bridge at night.\0"


@pytest.mark.parametrize("notes", [b"INFOICMT" + struct.pack("<I", len(COMMENT)) + COMMENT, b"INFO"])
def test_a_chunk_after_odd_audio_with_no_pad_byte_is_found(tmp_path: Path, notes: bytes) -> None:
    """8-bit mono audio of an odd length, then a LIST chunk with no pad byte between (RIFF says to write one; some
    writers do not). Before, the chunk was looked for one byte on: a long LIST read as an 'ISTA' chunk saying a
    gigabyte more (the file held 30 s as a copy still arriving, with a wrong warning), a short one as 24 frames more
    audio (a click)."""
    sound = np.resize(SOUND, RATE + 1)
    out = io.BytesIO()
    sf.write(out, sound, RATE, format="WAV", subtype="PCM_U8")
    data = out.getvalue()
    at = data.index(b"data") + 8
    assert len(data) == at + RATE + 2  # libsndfile's pad byte, left out below
    tail = b"LIST" + struct.pack("<I", len(notes)) + notes
    data = data[:4] + struct.pack("<I", at - 8 + RATE + 1 + len(tail)) + data[8:at + RATE + 1] + tail
    path = tmp_path / "noted.wav"
    path.write_bytes(data)
    assert unfinished(path, len(data)) == ""
    samples, _, _ = read_audio(path)
    assert samples.shape == (RATE + 1, 1)
    np.testing.assert_allclose(samples[:, 0], sound, atol=1 / 128)


def test_a_recording_of_no_frames_with_a_tag_after_it_holds_no_audio(tmp_path: Path) -> None:
    """A WAV of no frames (its length 0, written) and a LIST chunk after: no audio, and nothing to wait for. Before,
    it was waited for as a recording whose length was never written, then its tag read as 13 frames of loud audio."""
    out = io.BytesIO()
    sf.write(out, SOUND[:0], RATE, format="WAV", subtype="PCM_16")
    data = out.getvalue()
    tail = b"LIST" + struct.pack("<I", 18) + b"INFOINAM" + struct.pack("<I", 6) + b"empty\0"
    path = tmp_path / "empty.wav"
    path.write_bytes(data[:4] + struct.pack("<I", len(data) - 8 + len(tail)) + data[8:] + tail)
    assert unfinished(path, path.stat().st_size) == ""
    assert read_audio(path)[0].shape == (0, 1)
