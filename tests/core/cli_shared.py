"""What the tests of the `exsampling` command share: where the repository, the broken test patches and the test
plugins are, the command line, and a patch whose node folder holds a plugin that does not load."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BROKEN = Path(__file__).parent / "broken"
PLUGINS = Path(__file__).parent / "plugins"
EXE = [sys.executable, "-m", "exsampling_patch"]


def broken_plugin_patch(tmp_path: Path, node_type: str) -> tuple[Path, Path]:
    """A patch of one ``node_type`` node, with a node folder whose one file fails to import at its line 2."""
    nodes = tmp_path / "my-nodes"
    nodes.mkdir()
    plugin = nodes / "echo.py"
    plugin.write_text("from exsampling_patch import Node\nfrom exsampling_patch import TAEK\n", encoding="utf-8")
    patch = tmp_path / "show.yaml"
    patch.write_text(f"exsampling_patch: 1\nnode_dirs: [my-nodes]\nnodes:\n- id: a\n  type: {node_type}\n"
                     "links: []\n", encoding="utf-8")
    return patch, plugin
