"""A web recorder's takes of a phone name are its run's alone. The board of takes is the process's, and a
recorder's ``takes(name)`` listed every run's takes of that name: two engines of one process (an editor's and a
test's, two patches) each with a phone called "Ana" (the page's made-up names meet) listed each other's takes as
their own. Real recorders run by engines, each taking a real upload over HTTP."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.nodes.web_recorder.status import StatusBoard
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, probe_of, rec_of, recorder_engine, sine


def test_each_runs_recorder_lists_its_own_takes_of_a_phone_name_both_runs_have(tmp_path: Path) -> None:
    wav = encode_wav_pcm16(sine(seconds=0.2), 48000)
    first = recorder_engine(tmp_path / "one", https=False)
    try:
        second = recorder_engine(tmp_path / "two", https=False)
        try:
            ids = {}
            for name, engine in (("one", first), ("two", second)):
                status, reply = Client(engine, None).upload(wav, recorder="Ana")
                assert status == 201, reply
                assert probe_of(engine).wait_for(1, 30), f"run {name} passed no take on"
                ids[name] = reply["take_id"]
            listed = {name: [row["take_id"] for row in rec_of(engine).takes("Ana")]
                      for name, engine in (("one", first), ("two", second))}
        finally:
            second.stop()
    finally:
        first.stop()
    assert listed == {"one": [ids["one"]], "two": [ids["two"]]}, (listed, ids)


def test_the_board_lists_one_owners_rows_where_one_is_named() -> None:
    board = StatusBoard()
    mine, theirs = object(), object()
    board.add("a1", "Ana", owner=mine)
    board.add("a2", "Ana", owner=theirs)
    board.add("a3", "Ana", owner=mine)
    assert [row["take_id"] for row in board.for_recorder("Ana", mine)] == ["a3", "a1"]
    assert [row["take_id"] for row in board.for_recorder("Ana")] == ["a3", "a2", "a1"]  # anyone's: every row
    board.add("a1", "Ana", owner=theirs)  # added again by another run: that run's now
    assert [row["take_id"] for row in board.for_recorder("Ana", mine)] == ["a3"]
    assert "owner" not in (board.get("a1") or {})  # the row goes to phones: no owner in it
