"""A take told not loaded (Live silent) that Live loads once its load goes again, at Live's answer, is named loaded
after all (``loaded_after_all``). Only the load the node held the take open for named it; the one sent again to a
Live back is held no more (its end was told), so Live's answer to it in time (the common case: Live back answers at
once) left the run's summary and ``--json`` counting the take "loaded by no output", and its phone's row red. A late
answer to it was named already: it is matched to the slot's oldest load of that file, the held one.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows), the load
sent again held back on its way (:mod:`tests.outputs.live_sent_again`)."""

from __future__ import annotations

from pathlib import Path

from .helpers import wait_for
from .live_sent_again import KeepsAndTells, sent_again_to_live_back


def _sent_again_to_live_back(tmp_path: Path, late: bool) -> tuple[KeepsAndTells, str]:
    """A take told not loaded (no Live), sent again once Live answers, and Live's answer to that load: ``late``,
    past ``answer_within`` (told "not loaded yet" first), or in time. Returns what the node told and the take's id."""
    with sent_again_to_live_back(tmp_path, late) as again:
        again.sock.release()
        wait_for(lambda: again.tracks[0].clip_slots[0].clip is not None
                 and any("live_loaded" in status for status in again.context.statuses),
                 tick=again.surface.update_display)
        wait_for(lambda: again.node.loaded == 1, tick=again.surface.update_display)
    return again.context, again.take.take_id


def test_a_late_answer_to_a_take_sent_again_names_it_loaded_after_all(tmp_path: Path) -> None:
    # Named before the fix too (the answer is matched to the held load): kept, as the fix names takes another way
    context, take_id = _sent_again_to_live_back(tmp_path, late=True)
    late = [status for status in context.statuses if "after all" in str(status.get("warning", ""))]
    assert [status.get("loaded_after_all") for status in late] == [take_id], context.statuses


def test_an_answer_in_time_to_a_take_sent_again_names_it_loaded_after_all(tmp_path: Path) -> None:
    context, take_id = _sent_again_to_live_back(tmp_path, late=False)
    named = [status["loaded_after_all"] for status in context.statuses if "loaded_after_all" in status]
    assert named == [take_id], context.statuses
