"""`exsampling replay --rate` says a live xrun's time on the live stream's clock: at 44.1 kHz, a show played at
48 kHz said its xrun at 8.51 s where the stream had run 7.82 s (the frame read over the replay's rate)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.replay import replay

# A show's log up to its first xrun: its sampler's stream at 48 kHz, the xrun 2 s into it (frame 96000).
LIVE: list[dict[str, Any]] = [
    {"event": "show", "version": 1, "t": 0.0, "started": "2026-12-05T12:28:15+00:00", "patch": "show.yaml",
     "name": "show", "nodes": {"sampler": {"type": "sampler", "params": {}}}},
    {"event": "audio", "t": 1.5, "sampler": "sampler", "device": "0", "sample_rate": 48000.0, "blocksize": 512,
     "output_latency_ms": 21.33, "block_t": 1.5, "block_frame": 512},
    {"event": "xrun", "t": 3.0, "sampler": "sampler", "count": 1, "frame": 96000},
]


def replay_args(tmp_path: Path, lines: list[dict[str, Any]], rate: int) -> argparse.Namespace:
    """What `exsampling replay --rate RATE` is given for a show log of ``lines``, written to ``tmp_path``."""
    show = tmp_path / "show.jsonl"
    show.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return argparse.Namespace(show=str(show), out=str(tmp_path / "replay.wav"), patch=None, sampler=None, rate=rate,
                              block=256)


@pytest.mark.parametrize("rate", [0, 44100, 24000])
def test_an_xrun_is_said_at_its_time_in_the_live_stream_whatever_the_replay_s_rate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], rate: int) -> None:
    assert replay(replay_args(tmp_path, LIVE, rate)) == 0
    said = capsys.readouterr().err
    assert "the live run had 1 xrun (stream at 2.00 s)" in said, said


def test_an_xrun_once_the_run_was_stopping_is_not_told_as_heard(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Stopping a run closes its JACK clients, and the stream reports an xrun then (every run on the JACK dummy
    server): each replay said "the live run had 1 xrun(s) ...: dropouts the audience heard" of every show's end."""
    lines = [
        *LIVE,
        {"event": "stopping", "t": 5.8},
        {"event": "xrun", "t": 6.0, "sampler": "sampler", "count": 2, "frame": 222720},
    ]
    assert replay(replay_args(tmp_path, lines, 0)) == 0
    said = capsys.readouterr().err
    assert "the live run had 1 xrun (stream at 2.00 s):" in said, said
