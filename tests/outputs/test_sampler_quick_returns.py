"""An audio process that ends for its JACK server just after it started, time after time (its PortAudio never
finds a server that its probe reaches): started again after a growing wait, and told once.

Before: exit status 75 ("the server is back") started a new process at once, about once a second for ever. The
processes here are real ones that exit 75 at once (:mod:`tests.jack_never_found`, :mod:`tests.jack_gone_again`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from tests.jack_never_found import starts
from tests.waiting import wait_for

if TYPE_CHECKING:
    from exsampling_patch.nodes.sampler.host import AudioProcess

TOLD_AFTER_3 = ("the sampler's audio process ended 3 times in a row just after it started, for a JACK server that "
                "answers but that its PortAudio does not find (exit status 75): the sampler is silent; starting it "
                "again after a wait of up to 4 s")


@dataclass
class Outage:
    """A sampler's audio process whose child is a test's module, the log of its starts, and what the node told."""

    log: Path
    audio: AudioProcess
    state: SharedState
    errors: list[str] = field(default_factory=list)
    stopped: bool = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.audio.stop()
            self.state.close()


def started(module: str, log: Path) -> Outage:
    """An AudioProcess running ``module`` in place of the audio process, started."""
    from exsampling_patch.nodes.sampler.host import AudioProcess
    from exsampling_patch.nodes.sampler.slots import channel_map

    config = AudioConfig(slots=1, sample_rate=48000, note_slot=channel_map(1), device="none")
    state = SharedState.create(config.slots)
    errors: list[str] = []
    audio = AudioProcess(config, state, errors.append, lambda **values: None)
    audio.child.module = module
    audio.start()
    return Outage(log, audio, state, errors)


@pytest.fixture(scope="module")
def outages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outage]]:
    """Both tests' audio processes, started at once: each test waits seconds on the node's growing waits between
    starts (0.25 + 0.5 + 1 s) and on four processes' starts, which overlap so instead of adding up (the file took
    14 s on a loaded machine). Each child logs its starts to a file of its own (named in the environment, read
    at each start: set for the module's time)."""
    folder = tmp_path_factory.mktemp("starts")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EXS_QUICK_RETURNS_LOG", str(folder / "never_found"))
        env.setenv("EXS_GONE_AGAIN_LOG", str(folder / "gone_again"))
        env.setenv("EXS_GONE_AGAIN_OPEN", "3")  # the third of tests.jack_gone_again's plays between two outages
        runs: dict[str, Outage] = {}
        try:
            for module, log in (("tests.jack_never_found", "never_found"), ("tests.jack_gone_again", "gone_again")):
                runs[module] = started(module, folder / log)
            yield runs
        finally:
            for outage in runs.values():
                outage.stop()


def test_an_audio_process_ending_at_once_for_jack_again_and_again_waits_longer_and_is_told(
        outages: dict[str, Outage]) -> None:
    outage = outages["tests.jack_never_found"]
    try:
        assert wait_for(lambda: len(starts(outage.log)) >= 4, 20), (starts(outage.log), outage.errors)
    finally:
        outage.stop()
    times = starts(outage.log)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[:4])]
    assert all(gap >= wait for gap, wait in zip(gaps, [0.25, 0.5, 1.0], strict=True)), gaps  # not at once
    assert outage.errors == [TOLD_AFTER_3], outage.errors


def test_each_new_audio_process_of_one_jack_outage_is_told_once(outages: dict[str, Outage]) -> None:
    """Real processes each say the JACK server went away again before they looked, and exit 75; the third plays
    between two outages. The node tells it once for the first two, and again for the fourth, a new outage. Before,
    each process's words were told: the same error every time a process was started, for as long as it lasted."""
    from exsampling_patch.nodes.sampler.stream import JACK_GONE_AGAIN

    outage = outages["tests.jack_gone_again"]
    errors = outage.errors
    try:
        assert wait_for(lambda: len(starts(outage.log)) >= 4 and errors.count(JACK_GONE_AGAIN) >= 2, 20), \
            (starts(outage.log), errors)
    finally:
        outage.stop()
    assert errors[:3] == [
        JACK_GONE_AGAIN,  # the first and second processes: one outage
        TOLD_AFTER_3,
        JACK_GONE_AGAIN,  # the fourth, after the third played
    ], errors
