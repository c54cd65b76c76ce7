"""The recorder reads header values defensively: a value out of range is a 400 naming it, never a 500."""

from __future__ import annotations

import time

import pytest

from exsampling_patch.nodes.web_recorder.headers import name_slug, recorder_name
from exsampling_patch.nodes.web_recorder.upload import UploadError, encode_wav_pcm16

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
    # The one taken in is waited for (passed on on the engine's worker: a fixed 0.2 s may end before it on a busy
    # host), then 0.2 s more for any refused one wrongly passed on.
    assert len(probe_of(engine).wait_for(1)) == 1
    time.sleep(0.2)
    assert len(probe_of(engine).received) == 1


@pytest.mark.parametrize("header, name", [("%C5%81ucja%20%E7%94%B0%E4%B8%AD", "Łucja 田中"),  # the page's
                                          ("Łucja".encode().decode("latin-1"), "Łucja"),  # a script's UTF-8
                                          ("Jos\xe9", "José"),  # a script's Latin-1
                                          ("%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87", "नमस्ते")])
def test_a_name_in_any_script_is_read_as_the_phone_meant_it(header: str, name: str) -> None:
    """Before, a name outside Latin-1 could not arrive at all (a browser sends none), and a Devanagari name, whose
    vowel signs are combining marks, was refused."""
    assert recorder_name({"x-recorder": header}) == name


@pytest.mark.parametrize("header, slug", [("%C5%81ucja", "Łucja"), ("%E7%94%B0%E4%B8%AD%20%C3%86", "田中-Æ"),
                                          ("%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87", "नमस्ते"),
                                          ("Zo%C3%AB%20(2)", "Zoë-2"), ("Mika", "Mika")])
def test_a_take_id_keeps_the_letters_of_any_script_and_is_a_file_name(recorder, tmp_path, header: str,
                                                                      slug: str) -> None:
    """Before, the id kept ASCII letters only: "Łucja" gave "ucja-...", "田中" gave "phone-..."."""
    engine, client = recorder
    status, reply = client.request("POST", "/api/takes", WAV, {"Content-Type": "audio/wav", "X-Recorder": header})
    assert status == 201, reply
    take_id = reply["take_id"]
    assert take_id.startswith(slug + "-") and take_id[len(slug) + 1:].isascii(), take_id
    (take,) = probe_of(engine).wait_for(1)
    assert take.take_id == take_id and take.path is not None and take.path.is_file()
    assert take.path.parent == tmp_path / "takes" and take.path.name.startswith(slug + "-")


@pytest.mark.parametrize("name, slug", [("../../etc/passwd", "etc-passwd"), ("a/b\\c", "a-b-c"), ("..", "phone"),
                                        ("\u0301x", "x"), ("Zoe\u0301", "Zoé"), ("-" * 5, "phone"),
                                        ("a\u200fb", "a-b"),  # a right-to-left mark: no letter
                                        ("x" * 19 + "e\u0301\u0301", "x" * 19),  # a mark is not cut off its letter
                                        ("Ł" * 30, "Ł" * 20)])
def test_a_slug_is_safe_as_a_file_name(name: str, slug: str) -> None:
    assert name_slug(name) == slug
    assert "/" not in slug and "\\" not in slug and slug not in (".", "..")


@pytest.mark.parametrize("header", ["%3Cscript%3E", "Mika%0AX-Evil: 1", "%00", "%20"])
def test_a_percent_encoded_name_is_checked_as_any_name(header: str) -> None:
    with pytest.raises(UploadError) as refused:
        recorder_name({"x-recorder": header})
    assert refused.value.status == 400
