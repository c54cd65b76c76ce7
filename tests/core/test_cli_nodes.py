"""`exsampling nodes` as scripts use it: its JSON contract, its text listing, and the plugins it warns of."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from exsampling_patch.cli import main
from tests.core.cli_shared import PLUGINS, broken_plugin_patch


def test_nodes_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nodes", "--json", "--nodes", str(PLUGINS)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list)
    by_type = {row["type"]: row for row in rows}
    for row in rows:
        assert {"type", "doc", "inputs", "outputs", "params"} <= set(row)
        assert all({"name", "type"} <= set(p) for p in row["inputs"] + row["outputs"])
        assert all({"name", "type", "default", "doc"} <= set(p) for p in row["params"])
    writer = by_type["take_writer"]
    assert writer["inputs"][0] == {"name": "take", "type": "take", "doc": "takes to store", "multiple": True}
    assert "fail_on_name" in by_type  # from --nodes


def test_nodes_lists_a_patchs_node_dirs_and_warns_of_its_plugins_as_check_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A patch's node_dirs folder whose file fails to import: check and run warned of it, `nodes` never heard of
    the folder (its --nodes alone were loaded) and listed the types without a word."""
    patch, plugin = broken_plugin_patch(tmp_path, "log")
    (plugin.parent / "shout.py").write_text(
        "from exsampling_patch import TAKE, Input, Node\n\n\nclass Shout(Node):\n    \"\"\"Say it loud.\"\"\"\n\n"
        "    type_name = 'shout'\n    take = Input(TAKE)\n\n    def on_take(self, take):\n        pass\n",
        encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    warned_by_check = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: plugin")]
    assert len(warned_by_check) == 1 and warned_by_check[0].startswith(f"warning: plugin {plugin}:2: ImportError")
    assert main(["nodes", str(patch)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == warned_by_check
    assert "\nshout: Say it loud.\n" in captured.out  # the folder's other types are listed
    assert main(["nodes", "--json", str(patch)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == warned_by_check and "shout" in {row["type"] for row in json.loads(captured.out)}
    assert main(["nodes", str(tmp_path / "shwo.yaml")]) == 1  # a patch not read: its node_dirs are unknown
    assert "shwo.yaml" in capsys.readouterr().err


def test_a_plugin_that_exits_as_it_is_imported_is_a_plugin_warning_not_the_commands_end(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A node file calling sys.exit(3) at import (a script turned plugin) ended check, nodes and run with status 3
    and not a word: SystemExit is no Exception, which the registry caught."""
    patch, plugin = broken_plugin_patch(tmp_path, "log")
    plugin.write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    told = f"warning: plugin {plugin}:2: SystemExit: it called sys.exit(3) as it was imported"
    assert main(["check", str(patch)]) == 0
    assert told in capsys.readouterr().err.splitlines()
    assert main(["nodes", str(patch)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [told] and "folder_source:" in captured.out


def test_nodes_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nodes"]) == 0
    out = capsys.readouterr().out
    assert "folder_source: Emit a take" in out and "param folder (path" in out


def test_a_reader_that_stops_early_gets_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, `exsampling nodes | head` ended in a BrokenPipeError traceback.
    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            pass

        def fileno(self) -> int:
            raise io.UnsupportedOperation("fileno")  # as pytest's captured stdout: nothing to point at /dev/null

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["nodes"]) == 141


def test_nodes_text_says_required_and_separates_default_and_limits(capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "param folder (path, default None)" for a parameter a patch must set, "(choice, default 'whole' one
    # of whole, ...)", and a blank first line.
    assert main(["nodes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== ")
    assert "    param folder (path, required): the folder to watch\n" in out
    assert "    param window (choice, default 'whole', one of whole, 1s, 2s, 4s): " in out
    assert "    param top_k (int, default 5, in [1, 50]): " in out
    # A parameter's unit (Param(..., unit="Hz")) was shown by the editor alone.
    assert "    param default_pitch (float, default 261.63, in [8.0, 20000.0] Hz): " in out


def test_nodes_text_sums_up_the_slot_tables_default_and_json_keeps_it_whole(
        capsys: pytest.CaptureFixture[str]) -> None:
    # The slot map's and the gate's default table, 163 rows, was printed whole on one line of ~4,000 characters.
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE

    assert main(["nodes"]) == 0
    out = capsys.readouterr().out
    shown = f"    param table (table, default the shipped table, {len(DEFAULT_SLOT_TABLE)} rows (.venv/bin/" \
            "exsampling nodes --json lists them)): "
    assert out.count(shown) == 2 and "'clock_tick'" not in out  # slot map and gate; no row printed
    assert "param slots (list, default ['HH', 'Snare'," in out  # a short default is shown as before
    assert main(["nodes", "--json"]) == 0
    by_type = {row["type"]: row for row in json.loads(capsys.readouterr().out)}
    for node_type in ("slot_map", "confidence_gate"):
        (table,) = [param for param in by_type[node_type]["params"] if param["name"] == "table"]
        assert table["default"] == DEFAULT_SLOT_TABLE


def test_nodes_of_a_type_name_lists_that_type_alone(capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "trim: cannot read the patch: no such file or directory", the word taken for a patch file.
    assert main(["nodes", "trim", "log"]) == 0
    out = capsys.readouterr().out
    listed = [line.split(":")[0] for line in out.splitlines() if line and not line.startswith((" ", "=="))]
    assert listed == ["trim", "log"] and "    param top_db (float, default 60.0" in out, out
    assert main(["nodes", "--json", "sampler"]) == 0
    assert [row["type"] for row in json.loads(capsys.readouterr().out)] == ["sampler"]


def test_nodes_of_a_mistyped_type_name_names_the_type_meant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nodes", "trimm", "log"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == ["trimm: no node type of that name, nor a patch file (did you mean 'trim'?)"]
    assert main(["nodes", "xyzzy"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "xyzzy: no node type of that name, nor a patch file ('.venv/bin/exsampling nodes' lists them all)"]
