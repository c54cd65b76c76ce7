"""A take's row that ends between the stop of a web recorder on a temporary copy of its state folder and the start
of the one a live edit rebuilt on the same state folder (a rename, the take folder moved): the row was dropped.

The old table's copy is removed at its stop and the folder named cannot be written, so a late row goes to the table
open on that folder, if any (:mod:`.ends`); with none open yet, in that window, it was dropped, though the rebuilt
recorder goes on with the run's rows (handed over), and the phone's list lost the take's end after a reload. It is
now held until a table opens on that folder. Real files and tables, the two copies real temporary folders."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.nodes.web_recorder.ends import TakeEnds


def test_a_late_row_between_two_tables_on_copies_goes_to_the_second(tmp_path: Path) -> None:
    named = tmp_path / "state"  # the folder the console names, which the recorders cannot write
    old = TakeEnds(tmp_path / "copy-1", named=named)
    old.close()  # the old recorder's stop
    kept = old.write("phone", {"take_id": "t1", "status": "done"})  # its take ends before the new one's start
    new = TakeEnds(tmp_path / "copy-2", named=named)
    try:
        rows = new.rows()
    finally:
        new.close()
    assert [(phone, row["take_id"]) for phone, row in rows] == [("phone", "t1")], (kept, rows)
    assert b'"t1"' in (tmp_path / "copy-2" / "phone-takes.jsonl").read_bytes()


def test_a_row_held_for_one_folder_goes_to_no_other(tmp_path: Path) -> None:
    old = TakeEnds(tmp_path / "copy-1", named=tmp_path / "state")
    old.close()
    old.write("phone", {"take_id": "t1", "status": "done"})
    other = TakeEnds(tmp_path / "copy-2", named=tmp_path / "another-state")
    other.close()
    assert other.rows() == []
