"""A microphone stopped while a take is being recorded (Ctrl+C during a long sound), with a real input process on the
JACK dummy server.

Before: take assembly ended at the stop with the take it was cutting still open; what had been recorded of it was
dropped, unstored and untold. Now the part recorded up to the stop is a take like any other: stored first, told as
cut at the stop, then passed on (in a run, the engine's stop lets it reach its end)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.takes import TakeStore
from tests.intake.tone_bursts import MIC_PARAMS, RATE, BurstPlayer, frames_heard, microphone, playing_into, recording
from tests.waiting import wait_for

TONE_START, TONE_LENGTH = 0.3, 20.0  # far longer than the test: the tone still sounds at the stop


@pytest.mark.jack
def test_a_take_being_recorded_at_the_stop_is_stored_and_passed_on(tmp_path: Path) -> None:
    play = BurstPlayer([(TONE_START, TONE_LENGTH)], TONE_START + TONE_LENGTH, RATE)
    folder = tmp_path / "takes"
    context = NodeContext(tmp_path)
    mic = microphone(context, folder)
    with recording(mic, play):
        assert wait_for(lambda: any(s.get("level", 0.0) > 0.3 for s in list(context.statuses)), 15), \
            "the tone was never heard"
        # half a second of the take recorded, and it goes on: counted in the ring's frames, not slept (a busy
        # machine's input may lag the clock)
        counted = mic._ring.written
        assert wait_for(lambda: mic._ring.written >= counted + RATE // 2, 15), (mic._ring.written, counted)
        mic.stop()
        heard = (play.position / RATE) - TONE_START  # after the stop: all the take could hold was played by then
    takes: list[Take] = [message for port, message in context.emitted if port == "take"]
    assert len(takes) == 1, context.statuses
    (take,) = takes
    assert take.meta.get("cut_at_stop") is True
    assert 0.4 <= take.duration <= heard + 0.5, (take.duration, heard)
    assert np.max(np.abs(take.mono())) > 0.3  # the tone
    assert take.path is not None and take.path.exists()
    assert TakeStore(folder).unprocessed() == []  # stored, and (no runtime) written down as done once emitted
    told = [s for s in context.statuses if s.get("take") == take.take_id]
    assert len(told) == 1 and "cut at the stop" in told[0]["label"], told
    assert context.errors == []


@pytest.mark.jack
def test_in_a_run_the_take_cut_at_the_stop_reaches_its_end_before_the_run_stops(tmp_path: Path) -> None:
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.runtime.engine import Engine
    from exsampling_patch.runtime.events import TakeEnded
    from exsampling_patch.takes import PROCESSED_JOURNAL
    from tests.intake.conftest import probe_of, registry

    play = BurstPlayer([(TONE_START, TONE_LENGTH)], TONE_START + TONE_LENGTH, RATE)
    folder = tmp_path / "takes"
    patch = Patch()
    patch.add_node(NodeSpec("mic", "microphone", {**MIC_PARAMS, "folder": str(folder)}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("mic.take", "probe.take")
    engine = Engine(registry(), base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    try:
        mic = engine.node("mic")
        assert isinstance(mic, Microphone)
        probe = probe_of(engine)
        with playing_into(mic.jack_client, play, RATE, frames_heard(mic)):
            assert wait_for(lambda: engine.status.get("mic", {}).get("level", 0.0) > 0.3, 15), \
                "the tone was never heard"
            counted = mic._ring.written  # half a second more of the take recorded: counted, not slept
            assert wait_for(lambda: mic._ring.written >= counted + RATE // 2, 15), (mic._ring.written, counted)
            engine.stop()  # Ctrl+C, the tone still sounding
    finally:
        engine.stop()
    (take,) = [take for _, take in probe.received]
    assert take.meta.get("cut_at_stop") is True
    assert [(event.take_id, event.fate) for event in ended] == [(take.take_id, "done")], ended
    assert take.take_id in (folder / PROCESSED_JOURNAL).read_text().split()  # done: not passed on again
    assert not engine.errors, engine.errors
