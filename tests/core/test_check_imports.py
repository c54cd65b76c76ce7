"""Loading and checking a patch, the first thing `exsampling run`, `check` and `edit` do, imports networkx only for
a patch whose links form a cycle (to name the nodes on it): its import was 0.1-0.3 s of every start
(docs/performance.md, "Start-up")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.stage.helpers import REPO

#: loads the patch named in argv[1] as `exsampling run` does, then tells whether networkx was imported
SCRIPT = """
import sys
from exsampling_patch.errors import PatchError
from exsampling_patch.validate import load_patch_with_warnings
try:
    load_patch_with_warnings(sys.argv[1])
except PatchError as error:
    print('; '.join(str(problem) for problem in error.problems))
print('networkx' in sys.modules)
"""


def loaded_networkx(patch: Path) -> tuple[bool, str]:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(patch)], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    *told, last = out.stdout.splitlines()
    return last == "True", "\n".join(told)


def test_the_default_patch_loads_without_networkx() -> None:
    assert loaded_networkx(REPO / "patches" / "exsampling.yaml") == (False, "")


def test_a_patch_with_a_cycle_still_names_the_nodes_on_it(tmp_path: Path) -> None:
    patch = tmp_path / "cycle.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: a\n  type: trim\n- id: b\n  type: trim\n"
                     "links:\n- a.out -> b.take\n- b.out -> a.take\n", encoding="utf-8")
    imported, told = loaded_networkx(patch)
    assert imported and "the links form a cycle: a -> b -> a" in told, told
