"""`exsampling replay` on a show log it cannot replay as asked: told in one line, no traceback, no WAV written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from exsampling_patch.cli import main

TAKE = "take-1"


def write_show(folder: Path) -> Path:
    """A show log of one sampler given one take, loaded into HH, and its take's audio in the folder beside it."""
    show = folder / "show.jsonl"
    (folder / "show").mkdir()
    soundfile.write(folder / "show" / f"{TAKE}.wav", np.full(4800, 0.25, np.float32), 48000, subtype="FLOAT")
    lines = [
        {"event": "show", "version": 1, "t": 0.0, "nodes": {"sampler": {"type": "sampler", "params": {}}}},
        {"event": "sampler_take", "t": 0.1, "sampler": "sampler", "slot": "HH", "take_id": TAKE,
         "file": f"show/{TAKE}.wav"},
        {"event": "load", "t": 0.1, "sampler": "sampler", "slot": "HH", "take_id": TAKE},
    ]
    show.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return show


def test_the_show_log_replays_with_its_takes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    show = write_show(tmp_path)
    assert main(["replay", str(show), "--out", str(tmp_path / "out.wav")]) == 0
    assert f"wrote {tmp_path / 'out.wav'}" in capsys.readouterr().err


@pytest.mark.parametrize(("damage", "told"), [
    ("remove", "is missing: {path} (a show log's takes are in the folder of the same name beside it: copy that "
     "folder with the log)"),
    ("garble", "cannot be read: {path} ("),
])
def test_a_take_audio_missing_or_damaged_is_named_without_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, told: str) -> None:
    # Before, a show log copied without its takes' folder (or a take file damaged) ended in soundfile's traceback.
    show = write_show(tmp_path)
    audio = tmp_path / "show" / f"{TAKE}.wav"
    if damage == "remove":
        audio.unlink()
    else:
        audio.write_bytes(b"not a wav")
    assert main(["replay", str(show), "--out", str(tmp_path / "out.wav")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{show}: the audio of take {TAKE} ") and "\n" not in err, err
    assert told.format(path=audio) in err, err
    assert not (tmp_path / "out.wav").exists()


def test_a_sampler_the_show_has_not_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `--sampler` misspelt rendered a second of silence and said "wrote", exit 0.
    show = write_show(tmp_path)
    assert main(["replay", str(show), "--out", str(tmp_path / "out.wav"), "--sampler", "sampler2"]) == 1
    assert capsys.readouterr().err.strip() == (f"{show}: --sampler sampler2: the show has no sampler of that id "
                                               "(its samplers: sampler)")
    assert not (tmp_path / "out.wav").exists()


def test_a_show_without_a_sampler_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, the show of a patch without a sampler (a folder to a writer) replayed as a second of silence, exit 0.
    show = tmp_path / "show.jsonl"
    show.write_text(json.dumps({"event": "show", "version": 1, "t": 0.0,
                                "nodes": {"inbox": {"type": "folder_source", "params": {}}}}) + "\n", encoding="utf-8")
    assert main(["replay", str(show), "--out", str(tmp_path / "out.wav")]) == 1
    assert capsys.readouterr().err.strip() == f"{show}: the show's patch has no sampler node: nothing to replay"
    assert not (tmp_path / "out.wav").exists()


def test_a_wav_that_cannot_be_written_after_the_checks_is_told_with_why(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out passed its checks (a .wav in a folder that is there and writable), but the write failed: a traceback
    after the whole rendering. Here the name is a link into a folder that is gone."""
    show = write_show(tmp_path)
    out = tmp_path / "out.wav"
    out.symlink_to(tmp_path / "gone" / "out.wav")
    assert main(["replay", str(show), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: --out {out}: could not write it: No such file or directory", err
    assert out.is_symlink() and not (tmp_path / "gone").exists()


def test_a_link_to_a_full_device_is_told_as_no_space_left(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A name that links to /dev/full: it opens (for writing and appending both), so libsndfile's bare "System
    error." was all that was said."""
    show = write_show(tmp_path)
    out = tmp_path / "out.wav"
    out.symlink_to("/dev/full")
    assert main(["replay", str(show), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: --out {out}: could not write it: No space left on device (a link to /dev/full)"
    assert out.is_symlink()


def test_a_mistyped_show_log_names_the_one_meant_and_a_folder_its_logs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "No such file or directory" and "Is a directory", alone. A run writes its log into shows/ beside
    # the takes, named by its start: `replay session/shows` is what a newcomer types first.
    shows = tmp_path / "shows"
    shows.mkdir()
    names = [f"20261206-0{minute:02d}000.jsonl" for minute in range(10)]
    for name in names:
        (shows / name).write_text("", encoding="utf-8")
    out = str(tmp_path / "out.wav")
    assert main(["replay", str(tmp_path / "show" / names[3]), "--out", out]) == 1
    assert capsys.readouterr().err.strip() == (f"{tmp_path / 'show' / names[3]}: No such file or directory "
                                               f"(did you mean '{shows / names[3]}'?)")
    assert main(["replay", str(shows), "--out", out]) == 1
    assert capsys.readouterr().err.strip() == (f"{shows}: a folder, not a show log: name one of its show logs "
                                               f"(..., {', '.join(names[2:])})")
    (tmp_path / "takes").mkdir()
    assert main(["replay", str(tmp_path / "takes"), "--out", out]) == 1
    assert capsys.readouterr().err.strip() == (f"{tmp_path / 'takes'}: a folder, not a show log, and none (.jsonl) "
                                               "is in it")
    assert not (tmp_path / "out.wav").exists()
