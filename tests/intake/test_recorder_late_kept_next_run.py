"""The late take no recorder takes on again (the patch stopped while its phone's retry was being stored: see
test_recorder_late_kept_told) reaches the patch's next run, which says so.

Before, the error telling it was kept went to the ended run alone, shown nowhere, and the take waited in a folder the
next run did not use: the editor's next Run (a new engine on the same patch folder, its folders edited again) never
passed it on. Now kept for the next start of that recorder id in that patch folder, which passes it on, once (its
phone's retry, stored late too, is the same take), and its notice says "1 late take kept from the last run, passed on
now". Real HTTPS recorders run by engines, the edit made with engine.update; each upload's look at the disk held until
the test lets it go."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.runtime.engine import Engine

from .conftest import probe_of, registry
from .moved_rig import kept_late_for_next_run, moved_patch
from .test_recorder_stop_mid_upload import TAKE


def test_a_late_take_kept_when_no_recorder_ran_reaches_the_next_run(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    take_id, answers, again = kept_late_for_next_run(tmp_path, recorder_state, monkeypatch, TAKE)
    running = Engine(registry(), base_dir=tmp_path)  # the editor's next Run: a new engine, the folders edited again
    running.start(moved_patch(tmp_path, again, "takes-again"))
    try:
        reached = probe_of(running).wait_for(1, 30)
        assert running.wait_idle(10, settle=0.3)
        assert len(probe_of(running).received) == 1, probe_of(running).received  # once: its retry is the same take
        assert reached[0].take_id in {take_id, answers.retried[0][1]["take_id"]}, (reached, answers.retried)
        told = running.status.get("rec", {}).get("warning", "")
        assert told == "1 late take kept from the last run, passed on now", running.status.get("rec")
    finally:
        running.stop()
