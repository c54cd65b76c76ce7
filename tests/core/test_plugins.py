"""Plugins through the entry-point group, installed for real; and the package layout once installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "exsampling-gain"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin pip-installed into a folder of its own (with its entry point metadata)."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target",
         str(target), str(EXAMPLE)],
        check=True, timeout=180,
    )
    return target


def run_with(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "exsampling_patch", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_example_plugin_appears_through_its_entry_point(plugin_site: Path) -> None:
    result = run_with(plugin_site, "nodes", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["type"]: row for row in json.loads(result.stdout)}
    gain = rows["gain"]
    assert gain["origin"] == "entry point gain (exsampling_gain:Gain)"
    assert gain["doc"].startswith("Change a take's level")
    assert [p["name"] for p in gain["params"]] == ["gain_db", "clip"]


def test_example_plugin_runs_in_a_patch(plugin_site: Path, tmp_path: Path) -> None:
    checkout = sys.modules.pop("exsampling_gain", None)  # the example's own tests load the checkout's copy
    sys.path.insert(0, str(plugin_site))
    try:
        from exsampling_gain import Gain
        from exsampling_patch import Take

        assert plugin_site in Path(sys.modules[Gain.__module__].__file__ or "").parents  # the installed copy
        node = Gain("g", {"gain_db": -6.0206})
        node.handle("take", Take(np.full(8, 0.5, dtype=np.float32), 8000))
        (_, out), = node.context.emitted
        assert np.allclose(out.samples, 0.25, atol=1e-4)
    finally:
        sys.path.remove(str(plugin_site))
        sys.modules.pop("exsampling_gain", None)
        if checkout is not None:
            sys.modules["exsampling_gain"] = checkout


def test_the_example_tests_leave_the_path_alone() -> None:
    """The example's conftest loads its package from the file: with its folder on sys.path, a build's .egg-info
    there was read as installed, and every registry of the run had the example's 'gain' type."""
    assert str(EXAMPLE) not in sys.path and str(EXAMPLE.resolve()) not in sys.path


def test_broken_entry_point_is_reported(plugin_site: Path, tmp_path: Path) -> None:
    # It names the package that declares it: "entry point broken (no_such_module:Node)" alone left the developer to
    # search site-packages for the package to fix or uninstall (a module renamed since, a stale install).
    dist = tmp_path / "broken_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[exsampling_patch.nodes]\nbroken = no_such_module:Node\n",
                                           encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{plugin_site}"}
    result = subprocess.run([sys.executable, "-m", "exsampling_patch", "nodes", "--json"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0
    assert ("warning: plugin entry point broken (no_such_module:Node) of package broken-plugin 0.1: "
            "ModuleNotFoundError: No module named 'no_such_module'") in result.stderr
    assert "gain" in {row["type"] for row in json.loads(result.stdout)}  # the good plugin still loads


def test_a_plugin_printing_as_it_is_imported_leaves_the_json_whole(tmp_path: Path) -> None:
    """A plugin's print() at import (a developer's 'loaded' line) went to stdout, before `nodes --json`'s document
    and `run --json`'s events: the guide's own pipe into json.load failed on it."""
    (tmp_path / "loud.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\nprint('loud.py loaded')\n\n\nclass Loud(Node):\n"
        "    '''Say so.'''\n\n    x = Input(ANY)\n\n    def on_x(self, m):\n        pass\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "exsampling_patch", "nodes", "--json", "--nodes", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "loud" in {row["type"] for row in json.loads(result.stdout)}
    assert "loud.py loaded" in result.stderr


@pytest.mark.slow
def test_wheel_keeps_nodes_and_models_inside_the_namespace(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path), str(REPO)], check=True, timeout=300, capture_output=True)
    wheel, = tmp_path.glob("exsampling_patch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    # the Live remote script is its own package on purpose (it runs inside Live, apart from the core)
    assert all(top in ("exsampling_patch", "exsampling_ableton_remote") or top.endswith(".dist-info")
               for top in tops), tops
    assert "exsampling_patch/nodes/folder.py" in names
    assert "exsampling_patch/models/__init__.py" in names
    assert not any(name.startswith(("nodes/", "models/")) for name in names)
