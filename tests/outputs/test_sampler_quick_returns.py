"""An audio process that ends for its JACK server just after it started, time after time (its PortAudio never
finds a server that its probe reaches): started again after a growing wait, and told once.

Before: exit status 75 ("the server is back") started a new process at once, about once a second for ever. The
process here is a real one that exits 75 at once (:mod:`tests.jack_never_found`)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from tests.jack_never_found import starts
from tests.waiting import wait_for


def test_an_audio_process_ending_at_once_for_jack_again_and_again_waits_longer_and_is_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.nodes.sampler.host import AudioProcess
    from exsampling_patch.nodes.sampler.slots import channel_map

    log = tmp_path / "starts"
    monkeypatch.setenv("EXS_QUICK_RETURNS_LOG", str(log))
    errors: list[str] = []
    config = AudioConfig(slots=1, sample_rate=48000, note_slot=channel_map(1), device="none")
    state = SharedState.create(config.slots)
    audio = AudioProcess(config, state, errors.append, lambda **values: None)
    audio.child.module = "tests.jack_never_found"
    audio.start()
    try:
        assert wait_for(lambda: len(starts(log)) >= 4, 20), (starts(log), errors)
    finally:
        audio.stop()
        state.close()
    times = starts(log)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[:4])]
    assert all(gap >= wait for gap, wait in zip(gaps, [0.25, 0.5, 1.0], strict=True)), gaps  # not at once
    assert errors == [
        "the sampler's audio process ended 3 times in a row just after it started, for a JACK server that answers "
        "but that its PortAudio does not find (exit status 75): the sampler is silent; starting it again after a "
        "wait of up to 4 s"], errors


def test_each_new_audio_process_of_one_jack_outage_is_told_once(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Real processes each say the JACK server went away again before they looked, and exit 75; the third plays
    between two outages. The node tells it once for the first two, and again for the fourth, a new outage. Before,
    each process's words were told: the same error every time a process was started, for as long as it lasted."""
    from exsampling_patch.nodes.sampler.host import AudioProcess
    from exsampling_patch.nodes.sampler.slots import channel_map
    from exsampling_patch.nodes.sampler.stream import JACK_GONE_AGAIN

    log = tmp_path / "starts"
    monkeypatch.setenv("EXS_QUICK_RETURNS_LOG", str(log))
    monkeypatch.setenv("EXS_GONE_AGAIN_OPEN", "3")
    errors: list[str] = []
    config = AudioConfig(slots=1, sample_rate=48000, note_slot=channel_map(1), device="none")
    state = SharedState.create(config.slots)
    audio = AudioProcess(config, state, errors.append, lambda **values: None)
    audio.child.module = "tests.jack_gone_again"
    audio.start()
    try:
        assert wait_for(lambda: len(starts(log)) >= 4 and errors.count(JACK_GONE_AGAIN) >= 2, 20),\
            (starts(log), errors)
    finally:
        audio.stop()
        state.close()
    assert errors[:3] == [
        JACK_GONE_AGAIN,  # the first and second processes: one outage
        "the sampler's audio process ended 3 times in a row just after it started, for a JACK server that answers "
        "but that its PortAudio does not find (exit status 75): the sampler is silent; starting it again after a "
        "wait of up to 4 s",
        JACK_GONE_AGAIN,  # the fourth, after the third played
    ], errors
