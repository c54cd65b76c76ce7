"""The `exsampling` command as scripts use it: exit codes and output contracts."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.cli import build_parser, main
from tests.core.cli_shared import BROKEN, EXE, PLUGINS, REPO


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
    # Before: "FileNotFoundError: [Errno 2] No such file or directory: '/proc/exsampling-takes'", Python's repr;
    # then "FileNotFoundError: No such file ...", a class name before the system's own words; then the system's words
    # alone, naming no parameter; then "make it writable by this user", no remedy for a place the system has no folder
    # for: its words, and the parameter.
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n"
                     "  params: {folder: /proc/exsampling-takes}\n", encoding="utf-8")
    assert main(["run", str(patch), "--for", "0.1", "--log", "-", "--show-log", "none"]) == 3  # never started
    err = capsys.readouterr().err
    assert ("node 'inbox' never started: No such file or directory: /proc/exsampling-takes (the folder of parameter "
            "'folder')\n" in err), err


def test_a_classifier_whose_model_fails_at_start_is_told_at_the_model_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A pickle, as torch wrote before 1.6: check cannot tell it without torch, so the run starts and the classifier's
    # start refuses it. Before, "node 'clf' never started: ..." left the line to change to find; classify --patch
    # told it.
    (tmp_path / "notes.pt").write_bytes(b"\x80\x02not a model\n")
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: notes.pt\n"
                     "links: []\n", encoding="utf-8")
    assert main(["run", str(patch), "--for", "0.1", "--log", "-", "--show-log", "none"]) == 3  # never started
    err = capsys.readouterr().err
    # The model named as the patch names it, as check names it (735e4a9): it was the absolute path.
    assert (f"{patch}:6: node 'clf' never started: not a readable model file: 'notes.pt' (not a model "
            "file: it holds something other than weights)\n" in err), err

    # So does `classify --patch`, where the same start refuses it.
    take = tmp_path / "take.wav"
    sf.write(take, np.full(4800, 0.1, dtype=np.float32), 48000)
    assert main(["classify", "--patch", str(patch), str(take)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {patch}:6: node 'clf': parameter 'model': not a readable model file: 'notes.pt' "
                          "(not a model file: it holds something other than weights)"), err


def test_the_json_summary_tells_a_classifiers_model_refused_at_start_at_the_model_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The text line said FILE:LINE; the RunStopped record, which a script reads, said only why.
    (tmp_path / "notes.pt").write_bytes(b"\x80\x02not a model\n")
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: notes.pt\n"
                     "links: []\n", encoding="utf-8")
    assert main(["run", str(patch), "--json", "--for", "0.1", "--log", "-", "--show-log", "none"]) == 3
    (summary,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"RunStopped"' in line]
    assert summary["never_started"]["clf"].startswith(f"{patch}:6: not a readable model file: "), summary
