"""The peak level of the take a source or a processing node last passed on, on its status (``level``, 0..1), so the
editor's canvas shows a take's loudness flow along the chain: before, only the microphone said a level, and a folder
source or web recorder showed no bar at all."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.processing import Normalize, Trim
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from tests.waiting import wait_for

from .conftest import Client, probe_of, recorder_engine, sine

CLIPS = ("1-100032-A-0.flac", "2-100648-A-43.flac")  # folds 1 and 2: a dog, a chirp


def peak(path: Path) -> float:
    samples, _ = sf.read(path, dtype="float32")
    return float(np.abs(samples).max())


def test_the_folder_source_says_the_peak_of_each_file_it_passed_on(tmp_path: Path, esc50: Any) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in CLIPS:
        shutil.copy(esc50 / "audio" / name, folder / name)
    sf.write(folder / "quiet.wav", sine(amp=0.1), 48000)
    context = NodeContext(tmp_path)
    node = FolderSource("inbox", {"folder": str(folder), "include_existing": True, "poll_interval": 0.01,
                                  "settle_time": 0.05}, context)
    node.start()
    try:
        assert wait_for(lambda: len(context.emitted) >= 3), context.errors
    finally:
        node.stop()
    said = {s["last_file"]: s["level"] for s in context.statuses if "last_file" in s and "level" in s}
    assert said.keys() == {*CLIPS, "quiet.wav"}, context.statuses
    for name in CLIPS:
        assert said[name] == pytest.approx(peak(folder / name), abs=0.001)
    assert said["quiet.wav"] == pytest.approx(0.1, abs=0.002)
    assert all(0.0 < level <= 1.0 for level in said.values())


def test_the_web_recorder_says_the_peak_of_each_take_it_received(tmp_path: Path) -> None:
    engine = recorder_engine(tmp_path, tmp_path / "state", https=False)
    try:
        client = Client(engine, None)
        for amp, take_id in ((0.5, "loud"), (0.05, "soft")):
            status, reply = client.upload(encode_wav_pcm16(sine(amp=amp), 48000), take_id=take_id)
            assert status == 201, reply
            assert engine.wait_idle()
            snapshot = engine.status_snapshot()["rec"]
            assert snapshot["take"] == reply["take_id"]
            assert snapshot["level"] == pytest.approx(amp, abs=0.002)
        assert len(probe_of(engine).wait_for(2)) == 2
    finally:
        engine.stop()


def run(node_type: Any, take: Take, **params: Any) -> tuple[list[Take], list[dict[str, Any]]]:
    context = NodeContext()
    node = node_type("n", params, context)
    node.on_take(take)
    return [message for _, message in context.emitted], context.statuses


def test_trim_says_the_peak_of_what_it_kept_and_normalize_of_what_it_made(esc50: Any) -> None:
    samples, rate = sf.read(esc50 / "audio" / CLIPS[0], dtype="float32")
    take = Take(samples, int(rate), take_id="dog")
    (trimmed,), said = run(Trim, take, top_db=40.0)
    assert trimmed.frames < take.frames
    assert said[-1]["level"] == pytest.approx(float(np.abs(trimmed.samples).max()), abs=0.001)
    (louder,), said = run(Normalize, take, peak_db=-6.0)
    assert said[-1]["level"] == pytest.approx(10 ** (-6 / 20), abs=0.002)
    assert said[-1]["level"] == pytest.approx(float(np.abs(louder.samples).max()), abs=0.001)
