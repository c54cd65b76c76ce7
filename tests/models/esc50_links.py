"""Small ESC-50 data folders for tests: rows of the shared csv, their clips linked, not copied."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

Row = dict[str, str]


def linked_subset(esc50: Path, out: Path, pick: Callable[[list[Row]], list[Row]],
                  extra: Sequence[Row] = ()) -> Path:
    """``out`` as an ESC-50 folder holding the rows ``pick`` chooses (from all rows, sorted by file name), their
    clips linked, and ``extra`` rows listed in its csv without their clips."""
    with (esc50 / "esc50.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = sorted(reader, key=lambda r: r["filename"])
    kept = pick(rows)
    (out / "audio").mkdir(parents=True)
    for row in kept:
        (out / "audio" / row["filename"]).symlink_to(esc50 / "audio" / row["filename"])
    with (out / "esc50.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows([*kept, *extra])
    return out
