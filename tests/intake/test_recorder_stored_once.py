"""A take stored, then a failure (its folder's flush: a disk failing): the phone was answered 500, its retry was
stored anew, and the first copy, never written down as done, was passed on again at the next start. The take is
stored once and ends once: the retry is recognised as the same take."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder import store as store_module
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, sine
from .test_recorder_fates import engine_of


def test_a_take_stored_then_its_folder_not_flushed_is_stored_once_and_ends_once(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync, failed = os.fsync, list[int]()

    def failing_disk(fd: int) -> None:  # the take folder's flush fails once, as on a failing disk
        if stat.S_ISDIR(os.fstat(fd).st_mode) and not failed:
            failed.append(fd)
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(store_module.os, "fsync", failing_disk)
    wav = encode_wav_pcm16(sine(), 48000)
    engine = engine_of(tmp_path, recorder_state, "test_probe")
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        status, first = client.upload(wav, take_id="once")
        assert failed and status in (200, 201), (status, first)
        again, second = client.upload(wav, take_id="once")  # the phone's retry, had it not been answered
        assert again == 200 and second["take_id"] == first["take_id"], second
        assert len(probe_of(engine).wait_for(1)) == 1 and engine.wait_idle(settle=0.2)
        assert len(probe_of(engine).received) == 1
        assert "could not be flushed" in engine.errors["rec"]
    finally:
        engine.stop()
    takes = sorted(p.name for p in (tmp_path / "takes").glob("*.wav"))
    assert takes == [f"{first['take_id']}.wav"], takes
    assert TakeStore(tmp_path / "takes").processed_ids() == {first["take_id"]}  # ended: not passed on again
