"""A take's ended row that cannot be saved for its phone's list after a restart (the state folder's disk full) is
named, on the console and on the phone's row, and leaves no part of itself in the file.

Found running the recorder with its state folder on a full 400 kB tmpfs (2026-12-05): the console said "error in node
'rec' in take_ended(): OSError: [Errno 28] No space left on device" once per take, naming none, the phone's list said
nothing, and a row that fit in part was left cut short in phone-takes.jsonl, where the next row saved joined it (both
unreadable at the next start). Here the open file's descriptor is made /dev/full's, whose every write fails so.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE, TakeEnds
from exsampling_patch.runtime import NodeError

from .conftest import needs_dev_full, take_with_a_full_file

TOLD = "the recorder's disk is full: this list may lose it at a restart; the take is kept"


@needs_dev_full
def test_a_row_not_saved_for_after_a_restart_names_its_take_on_the_console_and_the_phone(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with take_with_a_full_file(tmp_path, ENDS_FILE) as (client, reply, events):
        (row,) = client.request("GET", "/api/takes")[1]["takes"]
    take_id = reply["take_id"]
    assert row["fate"] == "done" and row["unsaved"] == TOLD, row  # its end shown, and that it is not saved
    errors = [e.error for e in events if isinstance(e, NodeError)]
    assert errors == [f"take {take_id} ended, but its row in its phone's list could not be saved (the disk is full: "
                      f"{state / ENDS_FILE}); the phone's list may not show it after the next start (the take is "
                      "kept)"], errors


def test_a_row_that_fits_in_part_leaves_none_of_it_in_the_file(tmp_path: Path) -> None:
    """A real full disk: a 16 kB tmpfs, which only root may mount."""
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        ends = TakeEnds(folder)
        try:
            ends.write("phone", {"take_id": "saved", "end": "done (probe)"})
            # The rest of the disk, to its last byte.
            with open(folder / "filler", "wb", buffering=0) as filler, pytest.raises(OSError):
                while True:
                    filler.write(b"x" * 512)
            kept = (folder / ENDS_FILE).read_bytes()
            with pytest.raises(OSError):
                ends.write("phone", {"take_id": "not-saved", "end": "x" * 8000})  # more than the page's room left
            assert (folder / ENDS_FILE).read_bytes() == kept
            (folder / "filler").unlink()  # room again
            ends.write("phone", {"take_id": "saved-after", "end": "done (probe)"})
        finally:
            ends.close()
        again = TakeEnds(folder)
        again.close()
        assert [row["take_id"] for _, row in again.rows()] == ["saved", "saved-after"]
    finally:
        subprocess.run(["umount", str(folder)], check=True)
