"""A take held on its phone (refused for the full disk, counted in ``held_on_phones``) and sent again, then refused for
good before its body is read: larger than ``max_upload_mb``, by the recorder's handler, or by the busy answer when
every connection slot is held. Its phone drops it, as it drops one the recorder refuses once it has read it; only those
took it off the count, and the run's summary said it was still on the phone for the rest of the show. Real HTTPS, a
real engine; the disk's free space set by the test (a real disk's moves as others write)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.commands.run import counts_of
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, recorder_engine, sine
from .test_recorder_busy import HELD, Full


@pytest.mark.parametrize("refused_by", ["handler", "busy answer"])
def test_a_held_take_refused_for_good_before_its_body_is_read_is_held_no_longer(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch, refused_by: str) -> None:
    free = [10_000 * 10**6]
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: free[0])
    engine = recorder_engine(tmp_path, recorder_state, min_free_mb=100.0, warn_free_mb=50.0, max_upload_mb=1.0,
                             max_connections=HELD)
    full = None
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        free[0] = 50 * 10**6
        assert client.upload(encode_wav_pcm16(sine(), 48000), take_id="held")[0] == 507
        assert counts_of(engine, "held_on_phones") == {"rec": 1}
        free[0] = 10_000 * 10**6
        if refused_by == "busy answer":
            full = Full(engine, client)
        # The phone's copy, now larger than the recorder takes (its settings changed since, say).
        status, reply = client.upload(bytes(3_000_000), take_id="held")
        assert status == 413 and "too large" in reply["error"], (status, reply)
        assert counts_of(engine, "held_on_phones") == {}, engine.status["rec"]
    finally:
        if full is not None:
            full.release()
        engine.stop()


def test_a_take_refused_before_its_body_is_read_for_a_while_stays_held(tmp_path: Path, recorder_state: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Turned away for a while (503: every slot held), the phone keeps the take: it is still counted."""
    free = [10_000 * 10**6]
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: free[0])
    engine = recorder_engine(tmp_path, recorder_state, min_free_mb=100.0, warn_free_mb=50.0, max_connections=HELD)
    full = None
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        free[0] = 50 * 10**6
        assert client.upload(encode_wav_pcm16(sine(), 48000), take_id="held")[0] == 507
        full = Full(engine, client)
        assert client.upload(encode_wav_pcm16(sine(), 48000), take_id="held")[0] == 503
        assert counts_of(engine, "held_on_phones") == {"rec": 1}
    finally:
        if full is not None:
            full.release()
        engine.stop()
