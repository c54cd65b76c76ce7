"""A take folder's disk already full when the patch starts: the recorder starts all the same and refuses takes
(507, which the phones send again) until there is room, and the performer is told once. Through a real engine and
real HTTPS, on the real disk of the test's folder, made "full" by a ``min_free_mb`` above its free space."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime import NodeError

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
