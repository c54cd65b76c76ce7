"""A long show's log keeps a bounded memory of the sampler takes it wrote (``showlog.WRITTEN_KEEP``): it grew by
one entry a take, some 17,000 in three hours of 8 phones."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.runtime import showlog

from .show_rig import lines_of, live_sampler, sine


def test_the_show_log_remembers_the_last_takes_only_and_stays_true(tmp_path: Path) -> None:
    """More takes than the log remembers, through a running sampler: it remembers the last WRITTEN_KEEP; the first
    take, assigned again once forgotten, is written again to a file of its own; every line's file is its digest's."""
    takes = showlog.WRITTEN_KEEP + 40
    with live_sampler(tmp_path, watch_played=False) as (engine, _node, show, path):
        for n in range(takes):
            take = sine(220.0 + n, 0.01, 0.5, f"t{n:04d}")
            engine.inject("sampler", "assign", SlotAssignment(("HH", "Snare")[n % 2], take), source="test")
        engine.inject("sampler", "assign", SlotAssignment("HH", sine(220.0, 0.01, 0.5, "t0000")), source="test")
        assert engine.wait_idle(30.0)
        show.close()
        remembered = list(show._written)
    assert remembered == [f"t{n:04d}" for n in range(41, takes)] + ["t0000"]
    written = [line for line in lines_of(path) if line["event"] == "sampler_take"]
    assert [line["take_id"] for line in written] == [f"t{n:04d}" for n in range(takes)] + ["t0000"]
    for line in written:
        assert showlog.sha256_of(path.parent / line["file"]) == line["sha256"], line["take_id"]
    assert written[-1]["file"] == written[0]["file"].replace("t0000.wav", "t0000-2.wav")
