"""The `exsampling` command as scripts use it: exit codes and output contracts."""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]
BROKEN = Path(__file__).parent / "broken"
PLUGINS = Path(__file__).parent / "plugins"
EXE = [sys.executable, "-m", "exsampling_patch"]


def test_check_broken_patches(capsys: pytest.CaptureFixture[str]) -> None:
    for path in sorted(BROKEN.glob("*.yaml")):
        assert main(["check", str(path)]) == 1, path
        out = capsys.readouterr().out.strip().splitlines()
        assert out and all(re.match(rf"{re.escape(str(path))}:\d+:", line) for line in out), out


def test_check_shipped_patches(capsys: pytest.CaptureFixture[str]) -> None:
    patches = sorted(str(p) for p in (REPO / "patches").glob("*.yaml"))
    assert patches
    assert main(["check", *patches]) == 0
    assert capsys.readouterr().out == ""


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


def test_check_warns_of_a_plugin_that_did_not_load_without_failing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch, plugin = broken_plugin_patch(tmp_path, "log")
    assert main(["check", str(patch), str(patch)]) == 0  # the patch itself is sound: it runs as it is
    captured = capsys.readouterr()
    assert captured.out == ""
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning: plugin")]
    assert len(warnings) == 1, captured.err  # the same plugin for two patches: told once
    assert warnings[0].startswith(f"warning: plugin {plugin}:2: ImportError: cannot import name 'TAEK'")
    assert f"{patch}: ok, but 1 plugin did not load" in captured.err


def test_check_tells_a_node_dirs_folder_that_is_not_there_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, "warning: plugin /abs/path/my-nodez: node folder does not exist": the folder resolved, no patch line.
    (tmp_path / "my-nodes").mkdir()
    (tmp_path / "notes.py").write_text("", encoding="utf-8")
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs:\n- my-nodes\n- my-nodez\n- notes.py\nnodes: []\nlinks: []\n",
                     encoding="utf-8")
    assert main(["check", "--nodes", str(tmp_path / "elsewhere"), str(patch)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: plugin")]
    assert warnings == [
        f"warning: plugin {tmp_path / 'elsewhere'}: node folder does not exist",  # not the patch's: no line
        f"warning: plugin {patch}:4: node folder {tmp_path / 'my-nodez'} does not exist; did you mean "
        f"{tmp_path / 'my-nodes'}?",
        f"warning: plugin {patch}:5: {tmp_path / 'notes.py'} is a file, not a folder of node files: name its folder, "
        f"{tmp_path}",
    ]


def test_run_and_nodes_tell_a_node_dirs_folder_that_is_not_there_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, both said "warning: plugin /abs/path/my-nodez: node folder does not exist", as check did before f6c3b00.
    (tmp_path / "my-nodes").mkdir()
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs:\n- my-nodes\n- my-nodez\nnodes:\n- id: inbox\n"
                     "  type: folder_source\n  params: {folder: inbox}\n", encoding="utf-8")
    told = (f"warning: plugin {patch}:4: node folder {tmp_path / 'my-nodez'} does not exist; did you mean "
            f"{tmp_path / 'my-nodes'}?")
    assert main(["nodes", str(patch)]) == 0
    assert [line for line in capsys.readouterr().err.splitlines() if "plugin" in line] == [told]
    assert main(["run", str(patch), "--for", "0.1", "--log", "-", "--show-log", "none"]) == 0
    assert [line for line in capsys.readouterr().err.splitlines() if "plugin" in line] == [told]
    patch.write_text(patch.read_text(encoding="utf-8").replace("{folder: inbox}", "{}"), encoding="utf-8")
    assert main(["run", str(patch)]) == 1  # a patch that does not load: the folder may be why
    assert [line for line in capsys.readouterr().err.splitlines() if "plugin" in line] == [told]


def test_check_warns_of_a_pattern_whose_slots_are_not_its_samplers_slot_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The sampler (mapping: channel) plays channel N as its slot N: a pattern whose slots list them in another order
    plays every part on another slot, and check said ok. A warning, not a problem: `replay --patch` is given such
    a patch on purpose, to hear a show through another slot table, and it must load."""
    from exsampling_patch.validate import load_patch

    patch = tmp_path / "show.yaml"
    sampler = "- id: sampler\n  type: sampler\n  params: {device: none, virtual_port: ''}\n"
    groove = ("- id: groove\n  type: pattern\n  params:\n    slots: [BD, Snare, TT, HH]\n"
              "    patterns: {HH: x.x., Snare: ..x., '8': x...}\n")  # a number picks its own channel
    patch.write_text(f"exsampling_patch: 1\nnodes:\n{groove}{sampler}links:\n- groove.midi -> sampler.midi\n",
                     encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {patch}:6: node 'groove': its slots are not the slot_names of 'sampler', which "
                        "picks the slot by the MIDI channel: it plays 'HH' on slot 'BD' (give it slots: [HH, Snare, "
                        "TT, BD, Piano, Wind, Bass, Chorus], unless another slot table is meant)"], captured.err
    assert f"{patch}: ok, but 1 warning" in captured.err
    load_patch(patch)  # it runs as it is
    patch.write_text(patch.read_text(encoding="utf-8").replace("[BD, Snare, TT, HH]", "[HH, Snare, TT, BD]"),
                     encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert "warning" not in capsys.readouterr().err



def test_check_warns_of_a_pattern_numbered_past_its_samplers_slots(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """'9': x... to a sampler of 8 slots plays MIDI channel 9, which no slot takes: nothing sounds, and check said
    ok (a numbered part was left alone as picking its channel itself)."""
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: groove\n  type: pattern\n  params:\n    patterns:\n"
                     "      BD: x...\n      '9': x...\n      '12': ..x.\n"
                     "- id: sampler\n  type: sampler\n  params: {device: none, virtual_port: ''}\n"
                     "links:\n- groove.midi -> sampler.midi\n", encoding="utf-8")
    assert main(["check", str(patch)]) == 0  # it runs: a warning
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {patch}:8: node 'groove': pattern '9' plays MIDI channel 9, and 'sampler' has 8 "
                        "slots, one a channel: nothing plays it (nor '12') (number it 1-8, name one of its slots, "
                        "or give 'sampler' more slots)"], warnings
    patch.write_text(patch.read_text(encoding="utf-8").replace("{device: none,", "{slots: 12, device: none,"),
                     encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert "warning" not in capsys.readouterr().err

WARNING_NODE = """from exsampling_patch import Node, Param


class Tide(Node):
    \"\"\"Passes nothing; warns of a level some devices clip.\"\"\"

    type_name = "tide"
    level = Param(float, 0.5, "how loud", minimum=0.0, maximum=2.0)

    @classmethod
    def check_warnings(cls, params):
        return {("level",): "above 1 clips on some devices"} if params["level"] > 1 else {}
"""


def test_a_node_types_warnings_are_told_at_their_line_by_check_and_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a node type had check_params alone: what is wrong only on some devices was a problem, or unsaid.
    (tmp_path / "my-nodes").mkdir()
    (tmp_path / "my-nodes" / "tide.py").write_text(WARNING_NODE, encoding="utf-8")
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs: [my-nodes]\nnodes:\n- id: t\n  type: tide\n  params:\n"
                     "    level: 1.5\nlinks: []\n", encoding="utf-8")
    told = f"warning: {patch}:7: node 't': parameter 'level': above 1 clips on some devices"
    assert main(["check", str(patch)]) == 0  # a warning leaves the exit status alone
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.splitlines() == [told, f"{patch}: ok, but 1 warning"], captured.err
    assert main(["run", str(patch), "--for", "0.1", "--log", "-", "--show-log", "none"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"{told}\n"), err  # at start-up, before the nodes start
    patch.write_text(patch.read_text(encoding="utf-8").replace("1.5", "0.9"), encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert capsys.readouterr().err == f"{patch}: ok\n"


def test_check_warns_of_an_upload_limit_a_48_khz_take_does_not_fit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, "ok": 5.5 MB fits a 60 s take at 44.1 kHz (5.29 MB), and every one recorded to the end on a phone at
    # 48 kHz, as most are, was refused as too large (413). Not a problem (ec3963b): 44.1 kHz phones' takes fit.
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: rec\n  type: web_recorder\n  params:\n"
                     "    max_seconds: 60\n    max_upload_mb: 5.5\nlinks: []\n", encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"warning: {patch}:7: node 'rec': parameter 'max_upload_mb': 5.5 MB refuses a full-length take (max_seconds, "
        "60 s) from a phone recording at 48 kHz, as most do: up to 5.77 MB (16-bit mono WAV), where one at 44.1 kHz "
        "is 5.29 MB; make it at least 5.8 MB or max_seconds shorter",
        f"{patch}: ok, but 1 warning"]
    patch.write_text(patch.read_text(encoding="utf-8").replace("5.5", "5.8"), encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert capsys.readouterr().err == f"{patch}: ok\n"


def test_check_names_a_used_plugin_that_did_not_load_in_the_problem_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch, plugin = broken_plugin_patch(tmp_path, "echo")
    assert main(["check", str(patch)]) == 1
    captured = capsys.readouterr()
    assert f"not loaded: {plugin}:2: ImportError" in captured.out
    assert "warning: plugin" not in captured.err  # the problem's hint already says it


def test_check_names_a_used_type_refused_at_load_in_the_problem_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A type refused when registered (a misspelt handler): its problem's hint named the mistake, and a warning on
    # stderr said it again, since the warning ends in "; node type 'echo' is not loaded" and the hint does not.
    patch, plugin = broken_plugin_patch(tmp_path, "echo")
    plugin.write_text("from exsampling_patch import TAKE, Input, Node\n\n\nclass Echo(Node):\n    take = Input(TAKE)\n"
                      "\n    def on_tkae(self, take):\n        pass\n", encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    captured = capsys.readouterr()
    assert f"unknown node type 'echo' (not loaded: {plugin}:5: Echo: input 'take' has no handler" in captured.out
    assert "warning: plugin" not in captured.err, captured.err


def test_an_unknown_type_names_only_the_plugins_that_did_not_load_and_could_define_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, every plugin that failed to import was named, an unrelated echo.py's ImportError beside the file whose
    # syntax error kept the type from loading.
    patch, echo = broken_plugin_patch(tmp_path, "shimmer_verb")
    effects = echo.parent / "effects.py"  # defines the type (its class's name is it), in a file named otherwise
    effects.write_text("from exsampling_patch import Node\n\n\nclass ShimmerVerb(Node)\n    pass\n", encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    captured = capsys.readouterr()
    assert captured.out == (f"{patch}:5: node 'a': unknown node type 'shimmer_verb' (not loaded: {effects}:4: "
                            "SyntaxError: expected ':'; 1 other plugin did not load: a 'warning: plugin' line "
                            "names it)\n")
    assert f"warning: plugin {echo}:2: ImportError" in captured.err  # check names it on a line of its own
    # A type that none of them could have defined: they are counted, not named; `run` says the same.
    patch.write_text(patch.read_text(encoding="utf-8").replace("shimmer_verb", "granulator"), encoding="utf-8")
    told = (f"{patch}:5: node 'a': unknown node type 'granulator' (2 plugins did not load: a 'warning: plugin' "
            "line names each)\n")
    assert main(["check", str(patch)]) == 1
    assert capsys.readouterr().out == told
    assert main(["run", str(patch)]) == 1
    told_by_run, *warned = capsys.readouterr().err.splitlines(keepends=True)
    assert told_by_run == told
    # run names them as check does, each on a line of its own: one of them may be why the patch fails
    assert sorted(line.split(": ")[0:3:2] for line in warned) == sorted(
        [["warning", "ImportError"], ["warning", "SyntaxError"]]), warned
    assert sorted(line.split(": ")[1] for line in warned) == sorted(
        [f"plugin {echo}:2", f"plugin {effects}:4"]), warned
    # A file that names the type in its type_name is one that could define it, whatever its classes are called.
    grains = echo.parent / "grains.py"
    grains.write_text("import no_such_dsp\nfrom exsampling_patch import Node\n\n\nclass Cloud(Node):\n"
                      "    type_name = 'granulator'\n", encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    assert capsys.readouterr().out == (
        f"{patch}:5: node 'a': unknown node type 'granulator' (not loaded: {grains}:1: ModuleNotFoundError: No module "
        "named 'no_such_dsp'; 2 other plugins did not load: a 'warning: plugin' line names each)\n")


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


@pytest.mark.parametrize("command", ["run", "check", "nodes"])
def test_help(command: str) -> None:
    result = subprocess.run([*EXE, command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and f"usage: exsampling {command}" in result.stdout


def options_with_a_default(parser: argparse.ArgumentParser, name: str) -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, subparser in action.choices.items():
                found += options_with_a_default(subparser, f"{name} {sub}")
        elif action.option_strings and action.default not in (None, False, 0, [], argparse.SUPPRESS):
            found.append((name, action))
    return found


def test_every_option_with_a_default_says_it_in_its_help() -> None:
    # `train --out` wrote my_model.pt into the working folder while its help said only "model file to write".
    silent = [f"{name} {action.option_strings[0]} (default {action.default!r})"
              for name, action in options_with_a_default(build_parser(), "exsampling")
              if "default" not in (action.help or "")]
    assert not silent, silent


def test_run_exits_nonzero_on_load_error() -> None:
    result = subprocess.run([*EXE, "run", str(BROKEN / "unknown_type.yaml")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert "unknown_type.yaml:8: node 'other': unknown node type 'folder_sorce'" in result.stderr


def write_patch(tmp_path: Path) -> Path:
    patch = tmp_path / "patch.yaml"
    patch.write_text(
        f"""exsampling_patch: 1
node_dirs: [{PLUGINS}]
nodes:
- id: inbox
  type: folder_source
  params: {{folder: inbox, poll_interval: 0.05}}
- id: picky
  type: fail_on_name
  params: {{needle: boom}}
- id: writer
  type: take_writer
  params: {{folder: library}}
links:
- {{from: inbox.take, to: picky.take}}
- {{from: picky.out, to: writer.take}}
""",
        encoding="utf-8",
    )
    return patch


def test_run_folder_to_writer_loses_nothing(tmp_path: Path) -> None:
    patch = write_patch(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rng = np.random.default_rng(7)
    files = {
        "one.wav": ("PCM_16", 1, 16000),
        "boom.wav": ("PCM_16", 2, 44100),  # the node in between raises on this one
        "three.flac": ("PCM_24", 1, 48000),
        "four.wav": ("PCM_24", 2, 22050),
        "five.ogg": ("VORBIS", 1, 44100),
    }
    process = subprocess.Popen([*EXE, "run", str(patch), "--for", "5", "--trace"], stderr=subprocess.PIPE,
                               text=True, cwd=REPO)
    lines: list[str] = []
    running = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if line.startswith("running "):
                running.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    # The folder source leaves files already there when it starts (include_existing): write once it runs. A
    # fixed 1.5 s wait lost takes on a loaded CI host, where start-up took longer.
    assert running.wait(30), "".join(lines)
    written = {}
    for name, (subtype, channels, rate) in files.items():
        samples = (rng.uniform(-0.5, 0.5, size=(rate // 2, channels))).astype(np.float32)
        # Written in place: the folder source reads a file once its writer has closed it (before, a writer that
        # stalled between its data and its closing header update got the file read twice: one-2.wav on CI).
        sf.write(inbox / name, samples, rate, subtype=subtype)
        written[name] = sf.read(inbox / name, dtype="int32", always_2d=True)[0]
        time.sleep(0.2)
    process.wait(timeout=30)
    reader.join(10)
    stderr = "".join(lines)
    assert process.returncode == 0, stderr
    assert "error in node 'picky': ValueError: refusing boom.wav" in stderr
    assert "hop inbox.take -> picky.take: take boom.wav" in stderr
    library = tmp_path / "library"
    stored = sorted(p.name for p in library.iterdir() if not p.name.endswith(".json"))
    assert stored == sorted(files)
    for name, (subtype, channels, rate) in files.items():
        data, stored_rate = sf.read(library / name, dtype="int32", always_2d=True)
        assert stored_rate == rate and data.shape == written[name].shape
        if subtype != "VORBIS":  # lossy: re-encoding cannot keep the samples
            assert np.array_equal(data, written[name]), name
        meta = json.loads((library / f"{name}.json").read_text(encoding="utf-8"))
        assert meta["sample_rate"] == rate and meta["channels"] == channels


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


@pytest.mark.parametrize(("text", "line"), [
    ("# ExSampling Patch\n", 1),  # a README, or a take's WAV: not JSON
    ('{"event": "show", "nodes": {}}\n[1, 2]\n', 2),  # JSON, not an object
    ('{"a": 1}\n', 1),  # an object, not a show's event
    ('{"event": "take", "t": 1.0}\n', 1),  # events without the show's header line
    ("take-1 kept", 1),  # one line of text without its "\n": was "an empty file, not a show log"
    ("RIFF$\x00\x00\x00WAVEfmt ", 1),  # a small file with no "\n" at all: the same
])
def test_replay_of_a_file_that_is_no_show_log_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int) -> None:
    # Before, each of these ended in a traceback (JSONDecodeError, AttributeError, KeyError).
    path = tmp_path / "notes.jsonl"
    path.write_text(text, encoding="utf-8")
    assert main(["replay", str(path), "--out", str(tmp_path / "out.wav")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{path}: line {line}: not a show log") and "\n" not in err, err
    assert not (tmp_path / "out.wav").exists()


def test_replay_of_a_line_that_is_not_json_says_where_in_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, json's message without its place ("Expecting value"): which character of the line went unsaid.
    path = tmp_path / "cut.jsonl"
    path.write_text('{"event": "show", "t": 0.0, "nodes": {}}\n{"event": "note", "t": 1.0,, "slot": 3}\n'
                    '{"event": "note", "t": 2.0}\n', encoding="utf-8")
    assert main(["replay", str(path), "--out", str(tmp_path / "out.wav")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: line 2: not a show log (a JSON object a line, as 'exsampling run' writes): Expecting property "
        "name enclosed in double quotes at column 28"]
    assert not (tmp_path / "out.wav").exists()


def test_replay_of_a_log_of_two_shows_refuses_and_says_how_to_split_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a log a run before 6bb48c8 appended a second show to was replayed as one: both shows from 0 s, at once.
    header = json.dumps({"event": "show", "t": 0.0, "nodes": {"sampler": {"type": "sampler", "params": {}}}})
    path = tmp_path / "tonight.jsonl"
    path.write_text(f"{header}\n" + '{"event": "note", "t": 1.0}\n' + f"{header}\n", encoding="utf-8")
    assert main(["replay", str(path), "--out", str(tmp_path / "out.wav")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: line 3: a second show begins here: this log holds 2 shows (at lines 1, 3), one appended to the "
        "other by a run given a --show-log file that was there already; replayed as one, their times would overlap. "
        "Split it beside it (its takes' audio is found from its folder) and replay the show meant:",
        f"  sed -n '1,2p' {path} > {tmp_path / 'tonight-show1.jsonl'}",
        f"  sed -n '3,$p' {path} > {tmp_path / 'tonight-show2.jsonl'}",
    ]
    assert not (tmp_path / "out.wav").exists()


def test_replay_of_an_empty_or_missing_file_says_which(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.jsonl").touch()
    assert main(["replay", str(tmp_path / "empty.jsonl"), "--out", str(tmp_path / "out.wav")]) == 1
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'empty.jsonl'}: an empty file, not a show log"
    assert main(["replay", str(tmp_path / "gone.jsonl"), "--out", str(tmp_path / "out.wav")]) == 1
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'gone.jsonl'}: No such file or directory"


@pytest.mark.parametrize("command", [
    ["run", "--for", "-1"], ["run", "--for", "0"], ["run", "--for", "nan"], ["run", "--workers", "-2"],
    ["classify", "--threads", "0"], ["classify", "--max-seconds", "-3"],
    ["replay", "--out", "x.wav", "--rate", "-5"], ["replay", "--out", "x.wav", "--block", "0"],
])
def test_a_number_out_of_range_is_refused_on_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    # Before, `run --for -1` ran for no time and exited 0, `replay --rate -5` ended in a ParamError traceback,
    # and `classify --threads 0` went on: each is now refused as argparse refuses a word where a number goes.
    target = str(tmp_path / ("show.jsonl" if command[0] == "replay" else "a.wav"))
    with pytest.raises(SystemExit) as refused:
        main([command[0], target, *command[1:]])
    assert refused.value.code == 2
    option, value = command[-2:]
    err = capsys.readouterr().err
    assert f"error: argument {option}: must be " in err and f", not {value}\n" in err, err


def test_a_bare_exsampling_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "exsampling: error: the following arguments are required: COMMAND", and no command named.
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: exsampling")
    for command in ("run", "check", "nodes", "edit", "classify", "train", "replay", "devices", "ableton"):
        assert re.search(rf"^    {command} +\w", err, flags=re.M), (command, err)


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `exsampling --version` was refused as "the following arguments are required: COMMAND".
    from exsampling_patch import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"exsampling {__version__}\n"


@pytest.mark.parametrize(("out", "told"), [
    ("", "a folder: name the WAV file to write in it"), ("show.mp3", "name it .wav"), ("gone/show.wav", "no folder"),
])
def test_replay_refuses_an_out_it_cannot_write_before_rendering(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str, told: str) -> None:
    # Before, each rendered the show and then ended in soundfile's traceback (TypeError, LibsndfileError).
    show = tmp_path / "show.jsonl"
    show.write_text('{"event": "show", "nodes": {}}\n', encoding="utf-8")
    target = tmp_path / out if out else tmp_path
    assert main(["replay", str(show), "--out", str(target)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: --out {target}: ") and told in err and "\n" not in err, err


def test_a_log_that_cannot_be_written_leaves_library_messages_on_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `run --log DIR` (or a read-only home for the default log) ended the run in a traceback
    # (IsADirectoryError) before any node started: the show must go on without the file.
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n  params: {folder: inbox}\n",
                     encoding="utf-8")
    assert main(["run", str(patch), "--for", "0.2", "--log", str(tmp_path), "--show-log", "none"]) == 0
    err = capsys.readouterr().err
    assert (f"warning: libraries' own messages stay on the terminal: cannot write --log {tmp_path}: Is a directory\n"
            in err), err
    assert "stopped after 0.2 s running" in err and "go to" not in err


def test_a_show_log_that_cannot_be_written_is_told_in_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "warning: no show log: [Errno 21] Is a directory: '/tmp/...'", Python's repr of the error.
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n  params: {folder: inbox}\n",
                     encoding="utf-8")
    assert main(["run", str(patch), "--for", "0.2", "--log", "-", "--show-log", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert f"warning: no show log: cannot write {tmp_path}: Is a directory\n" in err, err


def test_nodes_text_says_required_and_separates_default_and_limits(capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "param folder (path, default None)" for a parameter a patch must set, "(choice, default 'whole' one
    # of whole, ...)", and a blank first line.
    assert main(["nodes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== ")
    assert "    param folder (path, required): the folder to watch\n" in out
    assert "    param window (choice, default 'whole', one of whole, 1s, 2s, 4s): " in out
    assert "    param top_k (int, default 5, in [1, 50]): " in out


def test_nodes_text_sums_up_the_slot_tables_default_and_json_keeps_it_whole(
        capsys: pytest.CaptureFixture[str]) -> None:
    # The slot map's and the gate's default table, 163 rows, was printed whole on one line of ~4,000 characters.
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE

    assert main(["nodes"]) == 0
    out = capsys.readouterr().out
    shown = f"    param table (table, default the shipped table, {len(DEFAULT_SLOT_TABLE)} rows (exsampling nodes " \
            "--json lists them)): "
    assert out.count(shown) == 2 and "'clock_tick'" not in out  # slot map and gate; no row printed
    assert "param slots (list, default ['HH', 'Snare'," in out  # a short default is shown as before
    assert main(["nodes", "--json"]) == 0
    by_type = {row["type"]: row for row in json.loads(capsys.readouterr().out)}
    for node_type in ("slot_map", "confidence_gate"):
        (table,) = [param for param in by_type[node_type]["params"] if param["name"] == "table"]
        assert table["default"] == DEFAULT_SLOT_TABLE


def test_edit_of_a_missing_patch_says_it_is_new_and_what_was_meant(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, `exsampling edit patchs/show.yaml` opened an empty editor without a word.
    (tmp_path / "patches").mkdir()
    (tmp_path / "patches" / "show.yaml").write_text("exsampling_patch: 1\nnodes: []\n", encoding="utf-8")
    monkeypatch.delenv("DISPLAY", raising=False)  # the editor itself is not opened here
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    typo = tmp_path / "patchs" / "show.yaml"
    assert main(["edit", str(typo)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{typo}: no such file: the editor opens a new patch, saved there (did you mean "
                          f"'{tmp_path / 'patches' / 'show.yaml'}'?)\n"), err


def test_a_node_that_cannot_make_its_folder_says_why_without_errno(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "FileNotFoundError: [Errno 2] No such file or directory: '/proc/exsampling-takes'", Python's repr.
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n"
                     "  params: {folder: /proc/exsampling-takes}\n", encoding="utf-8")
    assert main(["run", str(patch), "--for", "0.1", "--log", "-", "--show-log", "none"]) == 3  # never started
    err = capsys.readouterr().err
    assert ("node 'inbox' never started: FileNotFoundError: No such file or directory: /proc/exsampling-takes\n"
            in err), err
