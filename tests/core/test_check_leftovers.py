"""`exsampling check` and `exsampling nodes` messages that said something untrue or unusable: a rename warning for
an ``ableton_osc`` aimed at another machine's Live, a misspelt port with an invisible character, a type whose plugin
failed to import, and a ``pip install`` hint that took the shell's pip. Each from real files."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.registry import Registry
from tests.core.test_check_live_rename import patch_file, renamed


def test_a_rename_on_another_host_s_live_is_told_as_not_known_to_clash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, an ableton_osc sending to 10.0.0.7 was told as renaming the tracks of this machine's Live, where
    # ableton_live loads: check cannot know whether that host is this machine, and now says so.
    patch = patch_file(tmp_path, "[name, fire]", "    host: 10.0.0.7\n")
    assert main(["check", str(patch)]) == 0
    [told] = renamed(capsys.readouterr().err)
    assert "renames each take's track in the Live at 10.0.0.7 (" in told, told
    assert "check cannot tell whether 10.0.0.7 is this machine; if it is, once renamed, that slot's" in told, told


def test_a_rename_on_this_machine_s_live_is_told_as_a_clash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = patch_file(tmp_path, "[name, fire]", "    host: localhost\n")
    assert main(["check", str(patch)]) == 0
    [told] = renamed(capsys.readouterr().err)
    assert "track in Live ('" in told and "slot: once renamed, that slot's" in told and "cannot tell" not in told


def test_a_misspelt_port_with_an_invisible_character_is_escaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "has no output 'take'; did you mean 'take'?", the zero-width space printed as it is.
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n"
                     f"  params: {{folder: {tmp_path}}}\n- id: log\n  type: log\n"
                     "links:\n- \"inbox.take\\u200b -> log.message\"\n", encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{patch}:9: link inbox.take\\u200b -> log.message: 'inbox' (folder_source) has no output 'take\\u200b'; "
        "did you mean 'take'? (\\u200b is a zero width space, which cannot be seen)"]


def test_nodes_of_a_type_whose_plugin_failed_to_import_names_the_plugin(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "reverb: no node type of that name, nor a patch file ('.venv/bin/exsampling nodes' lists them all)".
    (tmp_path / "reverb.py").write_text("from exsampling_patch import TAEK, Node\n\n\nclass Reverb(Node):\n"
                                        "    '''Reverb.'''\n", encoding="utf-8")
    assert main(["nodes", "reverb", "--nodes", str(tmp_path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith(
        "reverb: no node type of that name, nor a patch file (a plugin that may define it did not load: "
        f"{tmp_path / 'reverb.py'}:1: ImportError: cannot import name 'TAEK'"), err


def test_the_install_hint_for_a_package_s_init_runs_this_python_s_pip(tmp_path: Path) -> None:
    # Before: "(pip install DIR)": the shell's pip, often another Python's, and unquoted, a folder with a space broke.
    project = tmp_path / "exs echo"
    (project / "exs_echo").mkdir(parents=True)
    (project / "exs_echo" / "__init__.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\n\nclass Echo(Node):\n    '''Echo.'''\n\n"
        "    x = Input(ANY)\n\n    def on_x(self, m):\n        pass\n", encoding="utf-8")
    (project / "pyproject.toml").write_text('[project.entry-points."exsampling_patch.nodes"]\necho = "exs_echo:Echo"\n',
                                            encoding="utf-8")
    hint = Registry.default([project], entry_points=False).unknown_hint("echo")
    command = hint.rpartition("declares entry points (")[2].removesuffix(")")
    assert shlex.split(command) == [sys.executable, "-m", "pip", "install", str(project)], hint
