"""What the show log cannot write is told on the stage console, while something can still be done about it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from .helpers import Run


def inbox_patch(tmp_path: Path) -> Path:
    """A patch in ``tmp_path`` loading each sound file put in ``tmp_path/inbox`` (made here) into a sampler without
    a device."""
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- {id: inbox, type: folder_source, params: {folder: inbox, poll_interval: 0.05}}
- {id: slots, type: fixed_slot, params: {mode: round_robin}}
- {id: sampler, type: sampler, params: {device: none, virtual_port: ''}}
links:
- inbox.take -> slots.take
- slots.assignment -> sampler.assign
""", encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    return patch


def test_a_show_log_that_cannot_write_a_takes_audio_says_so_once(tmp_path: Path) -> None:
    """The folder beside the log that holds what each sampler was given is not a folder (moved, a file in its place;
    the same for a full disk): those takes' lines went missing and the show could not be replayed, the console saying
    nothing, the traceback in the libraries' log. Now a warning names the log and why, once for all the takes."""
    patch = inbox_patch(tmp_path)
    shows = tmp_path / "shows"
    shows.mkdir()
    (shows / "show").write_text("not the folder of the takes' audio", encoding="utf-8")
    run = Run(str(patch), "--for", "60", "--log", str(tmp_path / "lib.log"), "--show-log", str(shows / "show.jsonl"),
              cwd=tmp_path)
    try:
        run.wait_for("running")
        for name in ("one", "two"):
            sf.write(tmp_path / "inbox" / f"{name}.wav", np.full(4800, 0.1, np.float32), 48000)
            run.wait_for(f"{name}.wav from inbox")
    finally:
        run.signal_group()
        run.wait(30)
    warnings = [line for line in run.stderr if "warning: show log" in line]
    assert len(warnings) == 1, run.output()
    assert f"warning: show log {shows / 'show.jsonl'}: could not write to it: File exists " \
           f"({shows / 'show'}); what it missed is not in the log, and a replay of this show lacks it (told once)" \
           in warnings[0], run.output()


def test_a_run_writes_when_it_began_to_stop(tmp_path: Path) -> None:
    """The stop's own xrun (its JACK clients closing) was told by every replay as a dropout the audience heard: the
    log now says where the stop began, after what the samplers played until then."""
    patch = inbox_patch(tmp_path)
    show = tmp_path / "show.jsonl"
    run = Run(str(patch), "--for", "0.3", "--log", str(tmp_path / "lib.log"), "--show-log", str(show))
    assert run.wait(60) == 0, run.output()
    events = [json.loads(line)["event"] for line in show.read_text(encoding="utf-8").splitlines()]
    assert events.count("stopping") == 1, events
