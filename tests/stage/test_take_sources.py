"""The stage console's start-up lines say where the takes come from: the phones' URL, the microphone's sound device,
and the folder a folder source reads (its path as the patch's own folder resolves it)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.stage.helpers import Run


def test_the_console_names_the_folder_a_folder_source_takes_its_takes_from(tmp_path: Path) -> None:
    """The console named the recorder's URL and every sound device, never the folder: a performer running
    patches/sampler_demo.yaml had to read the patch, and resolve '../takes/inbox' by hand, to know where to drop
    the files."""
    patches = tmp_path / "show" / "patches"
    patches.mkdir(parents=True)
    patch = patches / "drop.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- id: inbox
  type: folder_source
  params: {folder: ../takes/inbox, poll_interval: 0.05}
- id: writer
  type: take_writer
  params: {folder: ../takes/library}
links:
- inbox.take -> writer.take
""", encoding="utf-8")
    run = Run(str(patch), "--for", "0.5", "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    assert run.wait(60) == 0, run.output()
    lines = "".join(run.stderr).splitlines()
    said = [line for line in lines if line.startswith("folder_source 'inbox':")]
    assert said == [f"folder_source 'inbox': takes from the audio files put in {tmp_path}/show/takes/inbox"], lines
    # said with the other start-up lines, before the run is said to be running
    assert lines.index(said[0]) < next(i for i, line in enumerate(lines) if line.startswith("running ")), lines

    quiet = Run(str(patch), "-q", "--for", "0.5", "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    assert quiet.wait(60) == 0, quiet.output()
    assert "takes from" not in quiet.output()  # -q: failures, the phones' URL and the summary alone


def test_files_a_folder_source_leaves_alone_at_its_first_start_are_counted(tmp_path: Path) -> None:
    """Files copied into the inbox before the show, without include_existing, were left alone without a word: the
    performer waited for takes that never came."""
    import numpy as np
    import soundfile as sf

    (tmp_path / "inbox").mkdir()
    for name in ("kick.wav", "snare.wav"):
        sf.write(tmp_path / "inbox" / name, np.full(4800, 0.1, np.float32), 48000)
    patch = tmp_path / "drop.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n  params: {folder: inbox}\n"
                     "- id: log\n  type: log\nlinks:\n- inbox.take -> log.message\n", encoding="utf-8")
    for _ in range(2):  # and again at the next start: still there, still left alone
        run = Run(str(patch), "--for", "0.3", "--log", str(tmp_path / "lib.log"), "--show-log", "none")
        assert run.wait(60) == 0, run.output()
        assert f"folder_source 'inbox': takes from the audio files put in {tmp_path}/inbox (2 files there before its " \
               "first start are left alone: include_existing reads them)\n" in run.stderr, run.output()
        assert "kick.wav" not in run.output()


def test_the_samplers_sound_device_is_named_not_only_numbered(tmp_path: Path) -> None:
    """The sampler's line said "sound device 0", PortAudio's index alone, where the microphone's named its device:
    the performer could not tell which card played without `exsampling devices`."""
    patch = tmp_path / "sampler.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: sampler\n  type: sampler\n  params: {virtual_port: ''}\n",
                     encoding="utf-8")
    run = Run(str(patch), "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    try:
        run.wait_for("sampler 'sampler': sound device", timeout=60)
    finally:
        run.signal_group()
        run.wait(60)
    (line,) = [line for line in run.stderr if line.startswith("sampler 'sampler': sound device")]
    # as `exsampling devices` lists it: the JACK dummy server's device is PortAudio's 'system'
    assert re.match(r"sampler 'sampler': sound device \d+ 'system' \(JACK server '", line), run.output()
