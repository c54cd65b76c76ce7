"""The start's rewrite of the phones' take lists file (``phone-takes.jsonl``, once it holds more than twice ``keep``
rows) with the file shared or the folder taking no new file, as test_recorder_seen_rewrite for seen-takes.jsonl. Real
files and real ``flock`` locks: two tables on one folder lock as two runs do (a lock belongs to the open file).

Before: a start rewrote the file while another run had it open; that run's rows appended after it went to the file
replaced, and the phone's list lost those takes' ends at the next start. A rewrite that failed (a full disk, a folder
taking no new file) raised out of the table: the recorder did not start (no page, no QR code)."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE, TakeEnds

from .test_recorder_seen_rewrite import lock_folder, no_new_files  # noqa: F401 - the fixture


def row(i: int) -> dict[str, str]:
    return {"take_id": f"T{i}", "recorder": "Ana", "status": "done"}


def filled(state: Path, count: int) -> None:
    table = TakeEnds(state)
    for i in range(count):
        table.write("phone", row(i))
    table.close()


def lines(state: Path) -> int:
    return len((state / ENDS_FILE).read_text().splitlines())


def ids(state: Path) -> set[str]:
    table = TakeEnds(state, keep=10)
    try:
        return {r["take_id"] for _, r in table.rows()}
    finally:
        table.close()


def test_a_start_leaves_the_ends_file_another_run_has_open(tmp_path: Path) -> None:
    state = tmp_path / "state"
    filled(state, 5)
    running = TakeEnds(state)  # a run: it has the file open
    starting = TakeEnds(state, keep=2)  # another run's start on the same folder: more than 2 * 2 rows, a rewrite
    running.write("phone", row(5))
    starting.write("phone", row(6))
    running.close()
    starting.close()
    assert {"T5", "T6"} <= ids(state)  # neither run's row lost
    alone = TakeEnds(state, keep=2)  # no other run: rewritten shorter, its newest kept
    alone.close()
    assert lines(state) == 2


def test_a_rewrite_of_the_ends_file_that_fails_is_told_and_every_row_kept(no_new_files: Path) -> None:  # noqa: F811
    state = no_new_files
    filled(state, 5)
    lock_folder(state)
    told: list[str] = []
    table = TakeEnds(state, keep=2, tell=told.append)  # raised PermissionError: the recorder did not start
    try:
        assert len(told) == 1 and f"{state / ENDS_FILE} could not be rewritten shorter" in told[0], told
        table.write("phone", row(5))  # appended to as it is
    finally:
        table.close()
    assert lines(state) == 6
    assert ids(state) == {f"T{i}" for i in range(6)}
