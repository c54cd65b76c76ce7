"""The recorder reads header values defensively: a value out of range is a 400 naming it, never a 500."""

from __future__ import annotations

import time

import pytest

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import probe_of, sine

WAV = encode_wav_pcm16(sine(seconds=0.2), 48000)


@pytest.mark.parametrize("value", ["1e300", "-5", "1e999", "nan", "1_700_000_000_000", "soon"])
def test_a_recorded_at_out_of_range_or_not_a_number_is_a_400(recorder, value: str) -> None:
    engine, client = recorder
    status, reply = client.upload(WAV, recorded_at=value)
    assert status == 400, reply
    assert "X-Recorded-At" in reply["error"]
    assert client.upload(WAV, recorded_at=str(int(time.time() * 1000)))[0] == 201
    assert len(probe_of(engine).wait_for(1)) == 1


def test_a_take_id_too_long_is_refused_not_cut(recorder) -> None:
    engine, client = recorder
    stem = "t" * 64
    for tail in ("A", "B"):  # once cut to 64, these two were one take and the second one's audio was lost
        status, reply = client.upload(WAV, take_id=stem + tail)
        assert status == 400, reply
        assert "X-Take-Id is 65 characters long" in reply["error"] and "at most 64" in reply["error"]
    assert client.upload(WAV, take_id=stem)[0] == 201
    assert client.upload(WAV, take_id="\x7fbell")[0] == 400
    time.sleep(0.2)
    assert len(probe_of(engine).received) == 1
