"""Ctrl+C in the very first moment of `exsampling run`, while cli.py's own imports run (argparse, logging: before
``main`` is entered and can catch anything), ends as one a moment later does: the one line and 130, no traceback.

The console script runs in a process of its own and the SIGINT comes from outside, from this test. What tells when
to send it is the child's own import log (``PYTHONPROFILEIMPORTTIME``: a line on stderr as each import ends), not a
guessed delay: the stop is sent as the line of one of cli.py's first imports is read, so that it lands in the
imports after it. Each run is asserted on, wherever its stop landed; at least one must have landed in the imports
(nothing imported after cli.py's line: the run stopped before its sub-commands were imported).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from exsampling_patch.cli import STOPPED_EARLY

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / ".venv" / "bin" / "exsampling"

#: cli.py's first imports, each a cue for the stop: it lands in the ones after it (logging's takes 5-20 ms).
CUES = ("gettext", "argparse", "exsampling_patch.first_ctrl_c")
CLI = "exsampling_patch.cli"


def imported(line: str) -> str | None:
    """The module an import log line names (``import time: 120 | 340 |   argparse``), or None for another line."""
    if not line.startswith("import time:"):
        return None
    return line.rsplit("|", 1)[-1].strip()


def stopped_at_cue(tmp_path: Path, cue: str) -> tuple[int, list[str], list[str]]:
    """Run `exsampling run`, SIGINT sent as ``cue``'s import ends: its exit status, its stderr's own lines, and the
    modules it imported, in the order their imports ended."""
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes: []\n", encoding="utf-8")
    # --for: a stop that never came ends the run anyway, with 0 (the assertions then say so)
    child = subprocess.Popen([str(SCRIPT), "run", str(patch), "--for", "0.1", "--show-log", "none", "--log",
                              str(tmp_path / "run.log")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, cwd=REPO, env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert child.stderr is not None
    lines: list[str] = []
    for line in child.stderr:  # ends at the child's exit at the latest
        lines.append(line.rstrip("\n"))
        if imported(line) == cue:
            child.send_signal(signal.SIGINT)
            break
    _, rest = child.communicate(timeout=60)
    lines += rest.splitlines()
    modules = [name for name in map(imported, lines) if name is not None]
    assert cue in modules, f"{cue} is no import of cli.py's any more: name one that is\n" + "\n".join(modules)
    return child.returncode, [line for line in lines if imported(line) is None], modules


def test_ctrl_c_in_the_first_imports_says_one_line_and_exits_130(tmp_path: Path) -> None:
    landed_in_imports = 0
    for cue in CUES:
        code, said, modules = stopped_at_cue(tmp_path, cue)
        assert code == 130, (cue, said)
        assert said == [STOPPED_EARLY], (cue, said)  # the one line: no traceback, no KeyboardInterrupt
        landed_in_imports += modules[-1] == CLI  # the stop came before main imported anything more
    assert landed_in_imports, "no stop landed in cli.py's imports: the test tried nothing"
