"""A take in flight that ends while the start of the microphone a live edit rebuilt lists its take folder: the listing
had read the journal (the take not done), then the take's end, told to the new node, was written down as done and the
take forgotten as passed on, and the listing, asking only then whether the take was passed on in this run, found it not
and passed it on again: through the patch twice (loaded twice). The more takes in the folder, the longer the listing,
the wider that window. The new node now holds the ends told during its listing and writes them down once it is over.

A real engine, the edit made with engine.update; the microphone records from the JACK dummy server (nothing is
played: the take is one stored before the engine's start, which the first start passes on as the last run's). The
microphone's take store, once the test's edit is under way, lets the sink go and waits for the take's end to be told
to the new node between reading the folder and returning its list."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from exsampling_patch.nodes import microphone
from exsampling_patch.takes import TakeStore

from .rebuilt_rig import hooked, idle_errors
from .test_microphone_rebuilt import EndBeforeStart, mic_patch, started, stored_take

pytestmark = pytest.mark.jack


class EndWhileListing(TakeStore):
    """A take store whose listing of the takes not done calls :attr:`after_reading` (once set) once it has read the
    journal and the sidecars, before it returns."""

    after_reading: ClassVar[Any] = None

    def unfinished(self) -> list[tuple[Path, dict[str, Any]]]:
        found = super().unfinished()
        if EndWhileListing.after_reading is not None:
            EndWhileListing.after_reading()
        return found


def test_a_take_ending_during_the_rebuilt_microphones_listing_goes_through_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(microphone, "TakeStore", EndWhileListing)  # the store the microphone's start makes
    folder = tmp_path / "takes"
    take_id = stored_take(folder)
    engine, holds = started(folder, tmp_path)
    told_while_listing: list[bool] = []

    def end_the_take() -> None:  # in the new node's start, its folder read, its list not yet returned
        new = engine.node("mic")
        assert isinstance(new, EndBeforeStart)
        holds.let_go()
        told_while_listing.append(new.told.wait(30))

    try:
        assert [take.take_id for take in holds.wait_for(1)] == [take_id]
        with hooked(EndWhileListing, "after_reading", end_the_take):
            assert engine.update(mic_patch(folder, warn_free_mb=1.0)) is not None  # another setting: rebuilt
        assert told_while_listing == [True]  # its end came to the new node during its listing
        errors = idle_errors(engine)
    finally:
        engine.stop()
    assert [take.take_id for take in holds.held] == [take_id]  # once, not again as the last run's
    assert errors == {}
    assert take_id in TakeStore(folder).processed_ids()
