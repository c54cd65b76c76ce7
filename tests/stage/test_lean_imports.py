"""The default patch's own process stays lean: torch is the classifier's process's, PortAudio the sampler's audio
process's, and scipy, librosa and numba (1-2 s of imports each time the patch starts, before they left it) are
imported by no node of the default patch here; networkx (0.1-0.3 s) only for a patch whose links form a cycle.
What start-up costs is in docs/performance.md ("Start-up")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stage.helpers import REPO, default_patch

pytestmark = [pytest.mark.jack]

HEAVY = ("scipy", "torch", "librosa", "numba", "matplotlib", "dearpygui", "sounddevice", "networkx")

#: `exsampling run`, in this process, telling at its exit (exit_at_once runs the exit handlers) what it imported.
SCRIPT = f"""
import atexit, pathlib, sys
found = pathlib.Path(sys.argv[1])
atexit.register(lambda: found.write_text(' '.join(sorted(name for name in {HEAVY!r} if name in sys.modules))))
from exsampling_patch.cli import main
sys.argv = ['exsampling', 'run', sys.argv[2], '--for', '0.5']
sys.exit(main())
"""


def test_running_the_default_patch_imports_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    found = tmp_path / "imported.txt"
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(found), str(default_patch(tmp_path))], cwd=REPO,
                         capture_output=True, text=True, timeout=120, env={**os.environ})
    assert out.returncode == 0 and "running ExSampling: 11 nodes" in out.stderr, out.stderr
    assert found.read_text(encoding="utf-8") == "", out.stderr
