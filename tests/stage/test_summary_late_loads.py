"""The run summary's count of takes no output has, less those loaded after all (``NotLoadedCount``, fed by the run
as its events come). An output's ``loaded_after_all`` may come before the take's end (another branch still had the
take) as well as after it; and the ids the count kept grew for the whole run, of each take ended loaded too."""

from __future__ import annotations

import time

from exsampling_patch.commands.late_loads import NotLoadedCount
from exsampling_patch.runtime import TakeEnded

TIMEOUT = "slot HH, not loaded into sampler 'smp': the audio process did not answer within 3 s"


def ended(take_id: str, loaded: tuple[str, ...] = ()) -> TakeEnded:
    """A take's end in slot HH: no output has it, or ``loaded`` by those."""
    return TakeEnded("smp", take_id=take_id, recorder="", fate="slot", slots=("HH",),
                     reason="slot HH" if loaded else TIMEOUT, loaded=loaded, time=time.monotonic())


def test_a_take_loaded_after_all_before_its_end_is_not_counted_not_loaded() -> None:
    count = NotLoadedCount()
    count.loaded_after_all("take 1")  # the sampler's word, the take's end still to come
    count.ended(ended("take 1"))
    count.ended(ended("take 2"))  # no word of it: counted
    assert count.count == 1


def test_a_take_loaded_after_all_after_its_end_is_taken_off_the_count_once() -> None:
    count = NotLoadedCount()
    count.ended(ended("take 1"))
    assert count.count == 1
    count.loaded_after_all("take 1")
    count.loaded_after_all("take 1")  # two outputs (the sampler, Live) both loaded it after all
    assert count.count == 0


def test_the_ids_kept_are_the_latest_only_whatever_the_takes_ended_as() -> None:
    count = NotLoadedCount(kept=8)
    for number in range(100):
        count.loaded_after_all(f"early {number}")  # Live's late answer, before the sampler loaded it
        count.ended(ended(f"early {number}", loaded=("smp",)))
        count.ended(ended(f"loaded {number}", loaded=("smp",)))
        count.loaded_after_all(f"loaded {number}")  # Live's late answer, after the sampler's end
        count.ended(ended(f"lost {number}"))  # no output ever has it
    assert count.count == 100 and len(count) <= 8
    count.loaded_after_all("lost 99")  # a late word on one of the latest still counts
    assert count.count == 99
