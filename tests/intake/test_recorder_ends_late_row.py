"""A take's row that ends after its recorder's stop (a late row) is kept though a recorder on the same state folder
opens the file of ended rows meanwhile, rewriting it (it holds more than twice the rows it keeps), and that
recorder's table has the row. Real files; the late row's append is held where the rewrite could come between."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.web_recorder import ends
from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE, TakeEnds


def row(take_id: str) -> dict[str, Any]:
    return {"take_id": take_id, "recorder": "Ann", "status": "done", "fate": "done", "end": "done"}


def test_a_late_row_is_not_lost_to_a_rewrite_of_the_file_at_a_start(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    old = TakeEnds(tmp_path, keep=2)
    for number in range(5):  # more than twice the rows kept: the next table opened on the file rewrites it
        old.write("phone", row(f"t{number}"))
    old.close()
    opened: list[TakeEnds] = []
    opening = threading.Thread(target=lambda: opened.append(TakeEnds(tmp_path, keep=2)))
    real_append = ends.append_whole

    def append_as_another_opens(handle: Any, text: str) -> None:
        if not opening.is_alive() and not opened:  # a recorder rebuilt on the folder opens its table meanwhile
            opening.start()
            opening.join(1.0)  # as far as it gets: to its end, unless it waits for this row
        real_append(handle, text)

    monkeypatch.setattr(ends, "append_whole", append_as_another_opens)
    old.write("phone", row("late"))
    monkeypatch.setattr(ends, "append_whole", real_append)
    opening.join(10)
    (new,) = opened
    try:
        assert "late" in [r["take_id"] for _, r in new.rows()]
    finally:
        new.close()
    lines = (tmp_path / ENDS_FILE).read_text(encoding="utf-8")
    assert '"take_id":"late"' in lines  # in the file as it is now, not in the one the rewrite replaced


def test_a_late_row_is_in_the_table_open_on_its_file(tmp_path: Path) -> None:
    """Renamed by a live edit, a recorder is told its takes' ends after the new one started on the same state folder:
    the row goes into the new one's table, as its own rows do."""
    old = TakeEnds(tmp_path)
    old.close()
    new = TakeEnds(tmp_path)
    try:
        old.write("phone", row("late"))
        new.write("phone", row("own"))
        assert [r["take_id"] for _, r in new.rows()] == ["late", "own"]
    finally:
        new.close()
    again = TakeEnds(tmp_path)
    try:
        assert [r["take_id"] for _, r in again.rows()] == ["late", "own"]
    finally:
        again.close()
