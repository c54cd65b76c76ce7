"""The web recorder, a source, starts last in a patch: after the classifier's process has loaded its model, on the
start-up's critical path. What its start() needs to import is imported by its prepare(), which the engine calls while
that process loads (30-60 ms of the default patch's start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from exsampling_patch.nodes.web_recorder import WebRecorder
node = WebRecorder('rec', {'folder': sys.argv[1] + '/takes', 'state_folder': sys.argv[1] + '/state', 'port': 0,
                           'host': '127.0.0.1', 'print_qr': False})
node.prepare()
before = set(sys.modules)
node.start()
try:
    print(node.url.startswith('https://127.0.0.1:'), len(node.qr) > 20)
    print(sorted(name for name in set(sys.modules) - before if name.startswith(('exsampling_patch', 'segno'))))
finally:
    node.stop()
"""


def test_the_recorders_start_imports_nothing_its_prepare_did_not(tmp_path: Path, repo: Path) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=60,
                         cwd=repo)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["True True", "[]"], out.stdout
