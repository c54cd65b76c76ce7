"""A microphone's warning of audio lost (input its stream dropped, take assembly behind the audio) ends at the first
take recorded whole after the loss, with an empty warning (the classifier's convention for its backlog).

Before: the warning stayed in the node's status, so the editor's node line read "warning: the input stream dropped
audio ..." first, before every later take, until the node stopped: a loss long over, read as one of now."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.editor.live import NodeLive
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes import microphone as microphone_module
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.runtime.events import merge_status

from .test_microphone_jack_back import PARAMS, Tone, wait_for
from .test_microphone_overrun import LENGTH, RATE, microphone, ring_at


def node_line(statuses: list[dict[str, Any]]) -> str:
    """The editor's node line once ``statuses`` have come, in order."""
    live = NodeLive()
    for status in statuses:
        merge_status(live.status, status)
    return live_text(live)


def warnings(context: NodeContext) -> list[tuple[int, str]]:
    return [(at, status["warning"]) for at, status in enumerate(list(context.statuses)) if "warning" in status]


@pytest.mark.skipif(shutil.which("jackd") is None or shutil.which("jack_simple_client") is None,
                    reason="needs jackd (the JACK dummy driver) and jack_simple_client")
def test_a_dropped_input_warning_ends_at_the_next_whole_take(
        private_jack: subprocess.Popen[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The least time it stands (and between two such lines), shortened: the test waits it out.
    monkeypatch.setattr(microphone_module, "OVERFLOW_LINE_SECONDS", 0.5)
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {**PARAMS, "folder": str(tmp_path / "takes")}, context)
    mic.start()
    tone = None
    try:
        assert mic.jack_client, "the microphone's stream has no JACK client"
        tone = Tone(mic.jack_client)  # a steady tone: a take every 0.3 s
        assert wait_for(lambda: len([s for s in context.statuses if "take" in s]) >= 2), context.errors
        process = mic.audio.child.process
        assert process is not None
        process.send_signal(signal.SIGSTOP)  # held up for 0.3 s, as the scheduler of a busy machine may
        wait_for(lambda: False, 0.3)
        process.send_signal(signal.SIGCONT)
        assert wait_for(lambda: any(text for _, text in warnings(context))), context.statuses
        assert wait_for(lambda: any(text == "" for _, text in warnings(context))), warnings(context)
    finally:
        if tone is not None:
            tone.stop()
        mic.stop()
    told = warnings(context)  # (where among the statuses, the warning)
    first, text = next((at, text) for at, text in told if text)
    ended = next(at for at, text in told if text == "")
    assert first < ended and "the input stream dropped audio" in text, told
    statuses = list(context.statuses)
    assert "take" in statuses[ended], statuses[ended]  # ended by a take, told with it
    assert node_line(statuses[:ended]).startswith("warning: the input stream dropped audio"), statuses[:ended]
    assert node_line(statuses[:ended + 1]).startswith("take "), statuses[ended]


def test_a_lost_take_warning_stands_beside_a_take_holding_the_loss_and_ends_at_a_whole_one(tmp_path: Path) -> None:
    written = 100_000
    ring = ring_at(written, 0)
    mic, context = microphone(tmp_path, ring)
    try:
        mic._emit_take(written - 2 * LENGTH, written - LENGTH - RATE)  # long gone from the ring: lost whole
        assert [text for _, text in warnings(context)] == [f"a take of {(LENGTH - RATE) / RATE:.2f} s was lost whole: "
                                                           "take assembly fell behind the audio"]
        frames = np.arange(written, written + RATE)  # the callback goes on: a second more
        ring.samples[frames % LENGTH, 0] = frames.astype(np.float32)
        ring.counts[0] = written + RATE
        mic._emit_take(written - RATE // 2, written + RATE // 4)  # begun before the loss was told: it stands
        assert len(warnings(context)) == 1 and node_line(context.statuses).startswith("warning: a take of")
        mic._emit_take(written + RATE // 4, written + RATE // 2)  # all after it: whole
    finally:
        ring.close()
    assert [text for _, text in warnings(context)][1:] == [""]
    assert "take" in context.statuses[-1] and context.statuses[-1]["warning"] == ""
    assert node_line(context.statuses) == "take 2: 0.25 s"


def test_a_whole_take_ends_the_loss_warning_only_not_a_disk_warning_told_since(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole take ended whatever warning stood: a disk filling up, told as that take was stored, was cleared with
    the loss's, and the node line read as if the disk had room. The disk's free space is the seam the disk tests set
    (``disk_space.disk_free``: a real disk's moves as others write)."""
    free = [10_000 * 10**6]
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: free[0])
    written = 100_000
    ring = ring_at(written, 0)
    mic, context = microphone(tmp_path, ring)
    try:
        mic._emit_take(written - 2 * LENGTH, written - LENGTH - RATE)  # long gone from the ring: lost whole
        assert "was lost whole" in mic.shown_warning
        frames = np.arange(written, written + RATE)
        ring.samples[frames % LENGTH, 0] = frames.astype(np.float32)
        ring.counts[0] = written + RATE
        free[0] = 500 * 10**6  # under warn_free_mb (2000): told as the next take is stored
        mic._emit_take(written + RATE // 4, written + RATE // 2)  # all after the loss: whole
    finally:
        ring.close()
    assert "take" in context.statuses[-1] and "warning" not in context.statuses[-1], context.statuses[-1]
    assert node_line(context.statuses).startswith("warning: the take folder's disk is filling up: 500 MB free"), \
        context.statuses
