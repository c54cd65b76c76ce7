"""A show replayed from what the callback played, where a pattern's tagged all-notes-off ended its own notes only:
the replay ends the same ones (a keyboard's note held on the channel sounds on in both)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.midi_sender import sent_message
from exsampling_patch.runtime import Engine, showlog

from .show_rig import BLOCK, RATE, lines_of, live_sampler, sine


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Engine, Any, showlog.ShowLog, Path]]:
    with live_sampler(tmp_path, watch_played=True) as rig:
        yield rig


def test_a_senders_all_notes_off_replays_on_its_own_notes(live: tuple[Engine, Any, showlog.ShowLog, Path]) -> None:
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
            time.sleep(BLOCK / RATE)

    def send(message: Any) -> None:
        engine.inject("sampler", "midi", message, source="test")
        assert engine.wait_idle(10.0)

    callback(4)
    engine.inject("sampler", "assign", SlotAssignment("HH", sine(440.0, 1.0, 0.5, "a")), source="test")
    assert engine.wait_idle(10.0)
    callback(3)
    send(mido.Message("note_on", channel=0, note=69, velocity=100))  # a keyboard's, held
    callback(3)
    send(sent_message(5, "note_on", channel=0, note=76, velocity=90, time=time.perf_counter() + 0.02))
    callback(8)
    send(sent_message(5, "control_change", channel=0, control=123, value=0, time=time.perf_counter() + 0.02))
    callback(30)
    show.close()
    held = node.core.active & ~node.core.releasing
    assert held.sum() == 1 and (node.core.note[held] == 69).all()  # the keyboard's note sounds on, live
    lines = lines_of(path)
    played = [line for line in lines if line["event"] == "played"]
    assert [(p["type"], p.get("sender", 0)) for p in played] == [("note_on", 0), ("note_on", 5), ("all_off", 5)]
    live_audio = np.concatenate(rendered)
    replay, _ = Sampler.render_show(Sampler, lines, path.parent)
    np.testing.assert_array_equal(replay[: live_audio.size], live_audio)


@pytest.fixture
def unwatched(tmp_path: Path) -> Iterator[tuple[Engine, Any, showlog.ShowLog, Path]]:
    with live_sampler(tmp_path, watch_played=False) as rig:
        yield rig


def test_from_the_midi_lines_a_senders_all_notes_off_ends_its_own_notes(
        unwatched: tuple[Engine, Any, showlog.ShowLog, Path]) -> None:
    """A show whose callback's events were not logged replays the MIDI that reached the sampler: the tag is in its
    lines, and the keyboard's note sounds on after the pattern's all-notes-off there too."""
    from exsampling_patch.nodes.sampler import Sampler

    engine, _, show, path = unwatched

    def send(port: str, message: Any) -> None:
        engine.inject("sampler", port, message, source="test")
        assert engine.wait_idle(10.0)

    send("assign", SlotAssignment("HH", sine(440.0, 1.0, 0.5, "a")))
    send("midi", mido.Message("note_on", channel=0, note=69, velocity=100))  # a keyboard's, held
    send("midi", sent_message(5, "note_on", channel=0, note=76, velocity=90, time=time.perf_counter() + 0.02))
    time.sleep(0.05)
    send("midi", sent_message(5, "control_change", channel=0, control=123, value=0, time=time.perf_counter() + 0.02))
    time.sleep(0.1)
    show.close()
    lines = lines_of(path)
    midi = [line for line in lines if line["event"] == "midi"]
    assert [line.get("sender", 0) for line in midi] == [0, 5, 5]
    replay, rate = Sampler.render_show(Sampler, lines, path.parent, tail=0.3)
    after = replay[-int(0.2 * rate):]  # well after the all-notes-off: the keyboard's note alone
    assert np.abs(after).max() > 0.3
