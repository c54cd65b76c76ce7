"""`exsampling replay` tells what its sampler told while replaying (a take it could not load), a line each naming
the node and the take, and exits 2: the WAV is written, but it may not be what the show played (docs/replay.md).
Before, those errors were collected by the replay's context and never read: "wrote", exit 0, the take missing from
the WAV; and the frame-for-frame replay of a take into a slot the sampler has not ended in a KeyError traceback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from exsampling_patch.cli import main

from .test_replay_many_channels import show_lines
from .test_sampler_replay_untold import StatusFails, told

RATE = 48000


def write_show(folder: Path, frame_exact: bool, slot: str) -> Path:
    """A show log of a one-slot sampler (HH) given take "t" into ``slot``, its audio beside it."""
    soundfile.write(folder / "t.wav", np.resize(np.array([0.5, -0.5], np.float32), 4800), RATE, subtype="FLOAT")
    lines = show_lines(frame_exact)
    lines[0]["nodes"]["sampler"]["params"] = {"slots": 1, "slot_names": ["HH"]}
    for line in lines:
        if "slot" in line:
            line["slot"] = slot
    show = folder / "show.jsonl"
    show.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return show


@pytest.mark.parametrize("frame_exact", [False, True], ids=["by-time", "frame-for-frame"])
def test_a_take_the_replay_cannot_load_is_told_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           frame_exact: bool) -> None:
    show = write_show(tmp_path, frame_exact, "Snare")
    out = tmp_path / "out.wav"
    assert main(["replay", str(show), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[1:] == [
        f"{show}: sampler 'sampler': t not loaded into slot Snare: no slot named 'Snare'; slots are HH",
        "the replay may not be what the show played: it told 1 problem (exit status 2)"], err
    assert err[0].startswith(f"wrote {out}: ")
    assert soundfile.info(out).frames > 0  # written all the same: the rest of the show is in it


@pytest.mark.parametrize("frame_exact", [False, True], ids=["by-time", "frame-for-frame"])
def test_a_faithful_replay_tells_no_problem_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        frame_exact: bool) -> None:
    show = write_show(tmp_path, frame_exact, "HH")
    assert main(["replay", str(show), "--out", str(tmp_path / "out.wav")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("wrote "), err


@pytest.mark.parametrize("frame_exact", [False, True], ids=["by-time", "frame-for-frame"])
def test_a_failed_status_report_is_among_the_problems_naming_node_and_take(tmp_path: Path, frame_exact: bool) -> None:
    # The take plays (test_sampler_replay_untold.py); render_show hands its failure to the command, by either path.
    told.clear()
    soundfile.write(tmp_path / "t.wav", np.resize(np.array([0.5, -0.5], np.float32), 64), RATE, subtype="FLOAT")
    problems: list[str] = []
    StatusFails.render_show(StatusFails, show_lines(frame_exact), tmp_path, tail=0.05, problems=problems)
    assert problems == ["sampler 'sampler': t loaded into slot HH, but its status could not be told: "
                        "ValueError: the status could not be sent"]
