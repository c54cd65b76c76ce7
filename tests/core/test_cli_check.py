"""`exsampling check` as scripts use it: the problems and warnings it tells, at their line, and its exit code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exsampling_patch.cli import main
from tests.core.cli_shared import BROKEN, REPO, broken_plugin_patch


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
