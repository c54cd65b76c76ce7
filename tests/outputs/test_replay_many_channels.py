"""A show whose sampler was given a take of more channels than frames (a 10-channel interface, a click of a few
frames): its file is (frames, channels) as read, so the replay loads it as the live run did, by either path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

FRAMES, CHANNELS, RATE, BLOCK = 6, 10, 48000, 256


def show_lines(frame_exact: bool) -> list[dict[str, Any]]:
    given = {"event": "sampler_take", "t": 0.1, "sampler": "sampler", "slot": "HH", "take_id": "t", "file": "t.wav"}
    header = {"event": "show", "version": 1, "t": 0.0, "nodes": {"sampler": {"type": "sampler", "params": {}}}}
    if not frame_exact:  # replayed from the logged times
        return [header, given, {"event": "load", "t": 0.1, "sampler": "sampler", "slot": "HH", "take_id": "t"},
                {"event": "midi", "t": 0.2, "sampler": "sampler", "type": "note_on", "channel": 0, "note": 60,
                 "velocity": 127}]
    return [header, {"event": "audio", "t": 0.0, "sampler": "sampler", "sample_rate": RATE, "blocksize": BLOCK},
            given, {"event": "swap", "t": 0.1, "sampler": "sampler", "slot": "HH", "take_id": "t", "frame": BLOCK},
            {"event": "played", "t": 0.2, "sampler": "sampler", "type": "note_on", "channel": 0, "note": 60,
             "velocity": 127, "frame": 2 * BLOCK}]


@pytest.mark.parametrize("frame_exact", [False, True], ids=["by-time", "frame-for-frame"])
def test_a_take_of_more_channels_than_frames_replays(tmp_path: Path, frame_exact: bool) -> None:
    # Before, the replay built the take without frames_first=True and Take refused (4, 10)-like samples as
    # channels-first: a ValueError traceback, where the live run had loaded and played it.
    from exsampling_patch.nodes.sampler import Sampler

    click = np.resize(np.array([0.5, -0.5], np.float32), FRAMES)  # no constant part (an offset is taken away)
    soundfile.write(tmp_path / "t.wav", np.repeat(click[:, None], CHANNELS, axis=1), RATE, subtype="FLOAT")
    loaded: list[str] = []
    audio, rate = Sampler.render_show(Sampler, show_lines(frame_exact), tmp_path, tail=0.05,
                                      on_assign=lambda t, slot, take_id: loaded.append(f"{slot}:{take_id}"))
    assert rate == RATE
    assert loaded == ["HH:t"]
    assert np.abs(audio).max() > 0.01  # the note played the take's few frames (its attack and release shape them)
