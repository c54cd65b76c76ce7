"""A show log that cannot write the audio of any take (its disk full) says so once, not once per take.

Found running the default patch with its show log on a 64 kB tmpfs (2026-12-05): a burst of 30 takes gave 31
"warning: show log ...: could not write to it" lines, each "(told once)": libsndfile's error names its file
("Error opening '<take>.wav': System error."), and each text was a kind of its own. Here each take's audio file is
a dangling link, so that opening it fails as the full disk did, a file at a time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.events import MessageHop
from exsampling_patch.runtime.showlog import ShowLog


def test_every_takes_audio_failing_alike_is_told_once(tmp_path: Path) -> None:
    patch = Patch(nodes={"sampler": NodeSpec("sampler", "sampler")})
    told: list[str] = []
    show = ShowLog(tmp_path / "show.jsonl", patch, sources=[], samplers=["sampler"], on_problem=told.append)
    show.audio_dir.mkdir()
    for n in range(3):
        (show.audio_dir / f"take{n}.wav").symlink_to(tmp_path / "gone" / f"take{n}.wav")
        take = Take(np.full(480, 0.1, np.float32), 48000, take_id=f"take{n}")
        show(MessageHop("map", port="slot", target="sampler", target_port="assign",
                        message=SlotAssignment("HH", take, "hat", 0.9)))
    show.close()
    assert told == [f"could not write to it: LibsndfileError: System error. (Error opening "
                    f"'{show.audio_dir / 'take0.wav'}'); what it missed is not in the log, and a replay of this "
                    "show lacks it (told once)"], told
