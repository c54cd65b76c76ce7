"""A show replayed frame for frame from what the sampler's callback played (``played`` / ``swap`` lines). No sound
device: the test is the callback, rendering the core block by block on the real clock as a stream would
(tests/outputs/test_show_replay_jack.py does it under JACK)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.runtime import Engine, showlog

from .show_rig import BLOCK, RATE, lines_of, live_sampler, sine


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Engine, Any, showlog.ShowLog, Path]]:
    with live_sampler(tmp_path, watch_played=True) as rig:
        yield rig


def test_replay_matches_the_live_callback_frame_for_frame(live: tuple[Engine, Any, showlog.ShowLog, Path]) -> None:
    """Untimed notes start at the block the callback drained them in, timed ones at the frame it placed them,
    swaps at the block it took them up: the replay equals the live render sample for sample."""
    from exsampling_patch.nodes.sampler import Sampler

    engine, node, show, path = live
    # what a stream reports when it opens: the replay renders blocks of this size
    node.report_status(device="test", sample_rate=RATE, blocksize=BLOCK, output_latency_ms=0.0,
                       block_time=time.perf_counter(), block_frame=0)
    rendered: list[np.ndarray] = []

    def callback(blocks: int) -> None:  # the audio callback: blocks on the real clock, as a stream renders them
        out = np.zeros((BLOCK, 2), np.float32)
        for _ in range(blocks):
            node.core.render(out)
            rendered.append(out[:, 0].copy())
            time.sleep(BLOCK / RATE)

    def send(port: str, message: Any) -> None:
        engine.inject("sampler", port, message, source="test")
        assert engine.wait_idle(10.0)

    callback(4)
    send("assign", SlotAssignment("HH", sine(440.0, 0.5, 0.5, "a")))
    callback(3)
    send("midi", mido.Message("note_on", channel=0, note=69, velocity=100))  # untimed: the next block
    callback(7)
    send("midi", mido.Message("note_on", channel=0, note=76, velocity=60, time=time.perf_counter() + 0.021))
    callback(6)
    send("assign", SlotAssignment("HH", sine(330.0, 0.5, 0.4, "b")))  # swapped while both notes sound
    callback(5)
    send("midi", mido.Message("note_off", channel=0, note=69))
    send("assign", SlotAssignment("Snare", sine(220.0, 0.3, 0.6, "c")))
    callback(3)
    send("midi", mido.Message("note_on", channel=1, note=57, velocity=127))
    send("midi", mido.Message("note_off", channel=1, note=57, time=time.perf_counter() + 0.02))
    callback(40)
    show.close()
    lines = lines_of(path)
    played = [line for line in lines if line["event"] == "played"]
    assert [(p["type"], p["note"]) for p in played] == [("note_on", 69), ("note_on", 76), ("note_off", 69),
                                                         ("note_on", 57), ("note_off", 57)]
    assert all(p["source"] == "midi" for p in played)
    assert [(s["slot"], s["take_id"]) for s in lines if s["event"] == "swap"] == [("HH", "a"), ("HH", "b"),
                                                                                  ("Snare", "c")]
    live_audio = np.concatenate(rendered)
    assert np.abs(live_audio).max() > 0.1
    replay, rate = Sampler.render_show(Sampler, lines, path.parent)
    assert rate == RATE
    assert replay.size >= live_audio.size
    np.testing.assert_array_equal(replay[: live_audio.size], live_audio)


def test_gain_and_mute_changes_replay_at_the_block_the_callback_applied_them(
        live: tuple[Engine, Any, showlog.ShowLog, Path]) -> None:
    """Gain, mute and master-gain changes sent while notes sound (through the ``control`` input, as the editor's
    sliders and a patch's controls do): the callback notes the block it applied each at (``applied`` lines), and the
    replay applies them there, so it equals the live render sample for sample (placed by their time, they would land
    a block or more off: the live blocks here run slower than the clock, as a stream's may drift from it)."""
    from exsampling_patch.messages import ControlValue
    from exsampling_patch.nodes.sampler import Sampler

    engine, node, show, path = live
    node.report_status(device="test", sample_rate=RATE, blocksize=BLOCK, output_latency_ms=0.0,
                       block_time=time.perf_counter(), block_frame=0)
    rendered: list[np.ndarray] = []

    def callback(blocks: int) -> None:
        out = np.zeros((BLOCK, 2), np.float32)
        for _ in range(blocks):
            node.core.render(out)
            rendered.append(out[:, 0].copy())
            time.sleep(1.5 * BLOCK / RATE)  # a stream slower than the clock: times place nothing to the block

    def send(port: str, message: Any) -> None:
        engine.inject("sampler", port, message, source="test")
        assert engine.wait_idle(10.0)

    callback(2)
    send("assign", SlotAssignment("HH", sine(440.0, 1.0, 0.5, "a")))
    send("assign", SlotAssignment("Snare", sine(220.0, 1.0, 0.5, "c")))
    callback(2)
    send("midi", mido.Message("note_on", channel=0, note=69, velocity=100))
    send("midi", mido.Message("note_on", channel=1, note=57, velocity=100))
    callback(5)
    send("control", ControlValue("HH.gain", 0.37))
    callback(4)
    send("control", ControlValue("Snare.mute", 1.0))
    callback(3)
    send("control", ControlValue("master.gain", 1.8))
    send("control", ControlValue("HH.gain", 1.25))
    callback(4)
    send("control", ControlValue("Snare.mute", 0.0))
    callback(3)
    send("control", ControlValue("HH.gain", 1.25))  # no change: nothing applied
    send("control", ControlValue("master.gain", 0.6))
    callback(6)
    show.close()
    lines = lines_of(path)
    applied = [(a["name"], a["value"]) for a in lines if a["event"] == "applied"]
    assert applied == [("HH.gain", pytest.approx(0.37)), ("Snare.mute", 1.0), ("HH.gain", 1.25),
                       ("master.gain", pytest.approx(1.8)), ("Snare.mute", 0.0), ("master.gain", pytest.approx(0.6))]
    frames = [a["frame"] for a in lines if a["event"] == "applied"]
    assert frames == [9 * BLOCK, 13 * BLOCK, 16 * BLOCK, 16 * BLOCK, 20 * BLOCK, 23 * BLOCK]
    live_audio = np.concatenate(rendered)
    replay, _ = Sampler.render_show(Sampler, lines, path.parent)
    np.testing.assert_array_equal(replay[: live_audio.size], live_audio)


def test_xruns_are_logged_with_their_frame_and_the_replay_reports_them(
        live: tuple[Engine, Any, showlog.ShowLog, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """An xrun the stream reports (as stream.py's callback counts it) is logged from the callback's counters, with
    the frame of the block the callback saw it at; ``exsampling replay`` says how many the live run had."""
    import argparse

    from exsampling_patch.commands.replay import replay
    from exsampling_patch.nodes.sampler.shared import XRUN_SLOTS, XRUNS

    engine, node, show, path = live
    node.report_status(device="test", sample_rate=RATE, blocksize=BLOCK, output_latency_ms=0.0,
                       block_time=time.perf_counter(), block_frame=0)
    engine.inject("sampler", "assign", SlotAssignment("HH", sine(440.0, 0.5, 0.5, "a")), source="test")
    assert engine.wait_idle(10.0)
    engine.inject("sampler", "midi", mido.Message("note_on", channel=0, note=69, velocity=100), source="test")
    assert engine.wait_idle(10.0)
    out = np.zeros((BLOCK, 2), np.float32)
    state = node.state
    for block in range(12):
        if block in (5, 9):  # what the stream's callback does on an output underflow, before it renders
            state.xrun_at[state.counters[XRUNS] % XRUN_SLOTS] = time.monotonic()
            state.counters[XRUNS] += 1
        node.core.render(out)
    show.close()
    xruns = [(x["count"], x["frame"]) for x in lines_of(path) if x["event"] == "xrun"]
    assert xruns == [(1, 5 * BLOCK), (2, 9 * BLOCK)]
    out_file = path.parent / "replay.wav"
    args = argparse.Namespace(show=str(path), out=str(out_file), patch=None, sampler=None, rate=0, block=256)
    assert replay(args) == 0
    said = capsys.readouterr().err
    assert "the live run had 2 xruns" in said and "cannot reproduce" in said, said
