"""A take folder's disk already full when the patch starts: the recorder starts all the same and refuses takes
(507, which the phones send again) until there is room, and the performer is told once. Through a real engine and
real HTTPS, on the real disk of the test's folder, made "full" by a ``min_free_mb`` above its free space. A take
too large for the room left is told as such, not as a full disk (its free space set by the test there: a real
disk's moves as others write)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime import NodeError, NodeStatus

from .conftest import Client, rec_of, recorder_engine, sine


def test_a_recorder_started_on_a_full_disk_starts_and_refuses_takes(tmp_path: Path, recorder_state: Path) -> None:
    """Its start failed on the 507 meant for an upload: no URL, no QR code, every phone's upload refused at the
    door, the recorder never up once room was made, and the phone's "tell the performer" told no one."""
    free_mb = shutil.disk_usage(tmp_path).free / 1e6
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, check=False, events=events,
                             min_free_mb=free_mb + 1e6, warn_free_mb=free_mb + 2e6)
    try:
        rec = rec_of(engine)
        assert getattr(rec, "server", None) is not None and rec.url, engine.errors  # it listens, with its URL
        client = Client(engine, recorder_state / "recorder-cert.pem")
        wav = encode_wav_pcm16(sine(), 48000)
        for _ in range(2):  # a phone's retry too
            status, reply = client.upload(wav, take_id="on-a-full-disk")
            assert status == 507 and "disk is full" in reply["error"], reply
    finally:
        engine.stop()
    told = [event.error for event in events if isinstance(event, NodeError) and event.node_id == "rec"]
    assert len(told) == 1 and told[0].startswith("the take folder's disk is full: "), told
    assert "takes are refused, the phones keep them and send them again, until there is room" in told[0], told
    assert not list((tmp_path / "takes").glob("*.wav"))


def test_a_take_too_large_for_the_room_left_is_not_told_as_a_full_disk(tmp_path: Path, recorder_state: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1 MB take with 100 MB free and 99.5 MB kept free was told "disk is full: 100 MB free, under 99.5 MB", and
    the line came back at each of its phone's retries between other phones' small takes."""
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: 100 * 10**6)
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, events=events, min_free_mb=99.5, warn_free_mb=50.0)
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        large = encode_wav_pcm16(sine(seconds=10.0), 48000)  # 0.96 MB
        small = encode_wav_pcm16(sine(seconds=0.5), 48000)
        for attempt in range(3):  # the large take's phone retries while another sends small takes
            status, reply = client.upload(large, take_id="large")
            assert status == 507, reply
            assert reply["error"].startswith("this take (1.0 MB) would leave less than 99.5 MB free"), reply
            assert client.upload(small, recorder="Noa", take_id=f"small-{attempt}")[0] == 201
    finally:
        engine.stop()
    told = [event.error for event in events if isinstance(event, NodeError) and event.node_id == "rec"]
    assert len(told) == 1 and told[0].startswith("a take (1.0 MB) was refused: it would leave less than 99.5 MB"), told
    assert not any("disk is full" in line for line in told), told
    assert len(list((tmp_path / "takes").glob("*.wav"))) == 3


def test_a_take_larger_than_the_disk_can_ever_hold_is_refused_for_good(tmp_path: Path, recorder_state: Path) -> None:
    """A take that would leave less than min_free_mb free even on the disk emptied was refused 507 ("it is stored once
    there is room"), which its phone sends again every few seconds for the rest of the show. Refused for good (413),
    the phone drops it and shows why, and the console says so. The test folder's real disk, min_free_mb set to all but
    half a megabyte of it."""
    st = os.statvfs(tmp_path)
    room_mb = (st.f_blocks - (st.f_bfree - st.f_bavail)) * st.f_frsize / 1e6
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, check=False, events=events, min_free_mb=room_mb - 0.5,
                             warn_free_mb=room_mb)
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        large = encode_wav_pcm16(sine(seconds=10.0), 48000)  # 0.96 MB
        for _ in range(2):  # a script's retry is refused the same
            status, reply = client.upload(large, take_id="never-fits")
            assert status == 413, reply
            assert reply["error"].startswith("this take (1.0 MB) can never be stored: the recorder's disk "), reply
            assert reply["error"].endswith(" MB of it is kept free; record a shorter take"), reply
    finally:
        engine.stop()
    told = [event.status["refused_take"] for event in events
            if isinstance(event, NodeStatus) and event.status.get("refused_take")]
    assert len(told) == 2 and "a take from Mika at 127.0.0.1 was refused, not stored: this take (1.0 MB)" in told[0]
    assert not list((tmp_path / "takes").glob("*.wav"))
