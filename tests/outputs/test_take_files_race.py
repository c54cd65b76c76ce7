"""Two runs writing a copy for Live of a take with the same id (a show replayed in two patches on one folder) at the
same moment: each copy keeps its audio under a name of its own. The name is claimed with one exclusive step (a hard
link to the final name fails when it is held); before, a name checked free was written over by the other run, which
had found it free too: one run's copy held the other's audio, and Live loaded the wrong sample.

The race cannot be timed without hooks into the writer, so two real processes write 100 ids, both each id at the
same moment (a barrier per id): without the exclusive step some collided on each of six tries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

TAKES = 100

RUN = """
import sys
from pathlib import Path
import numpy as np
from exsampling_patch.messages import Take
from exsampling_patch.nodes.take_files import TakeFiles

live, level, count = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
files = TakeFiles(live, keep_ahead=count + 1)
takes = [Take(np.full(4800, level + n / 4096, dtype=np.float32), 48000, take_id=f"show-{n}") for n in range(count)]
print("ready", flush=True)
for take in takes:
    sys.stdin.readline()  # both runs write each take at the same moment
    print(files.path_for(take), flush=True)
"""


def test_two_runs_writing_the_same_ids_at_once_keep_each_copy(tmp_path: Path) -> None:
    live = tmp_path / "live"
    live.mkdir()
    levels = (0.25, 0.5)
    runs = [subprocess.Popen([sys.executable, "-c", RUN, str(live), str(level), str(TAKES)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True) for level in levels]
    for run in runs:
        assert run.stdout is not None and run.stdout.readline() == "ready\n"
    told: list[list[Path]] = [[] for _ in runs]
    for _ in range(TAKES):
        for run in runs:
            assert run.stdin is not None
            run.stdin.write("go\n")
            run.stdin.flush()
        for run, paths in zip(runs, told, strict=True):
            assert run.stdout is not None
            paths.append(Path(run.stdout.readline().strip()))
    for run in runs:
        run.communicate(timeout=60)
        assert run.returncode == 0

    for level, paths in zip(levels, told, strict=True):
        assert len(paths) == TAKES
        for n, path in enumerate(paths):  # the file this run gave Live holds this run's audio
            samples, rate = sf.read(path, dtype="float32")
            assert rate == 48000 and np.all(samples == np.float32(level + n / 4096)), (path, samples[0])
    assert all(first != second for first, second in zip(*told, strict=True))
    assert {p.name for p in live.glob("*.wav")} == {name for n in range(TAKES)
                                                    for name in (f"show-{n}.wav", f"show-{n}-2.wav")}
    assert not list(live.glob(".*.part"))
