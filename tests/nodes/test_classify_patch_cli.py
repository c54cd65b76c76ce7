"""`exsampling classify --patch`: files through a real patch's own chain (trim, classifier, gate, slot map), run as
real processes on real ESC-50 audio; and the same slots as the running patch gives."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import yaml

from exsampling_patch.cli import main
from exsampling_patch.commands.classify import PatchChain
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine
from exsampling_patch.takes import read_take
from exsampling_patch.validate import load_patch
from tests.nodes.test_classify_gate import SlotProbe

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PATCH = REPO / "patches" / "exsampling.yaml"
DOG = "1-100032-A-0.flac"  # a dog barking (fold 1): Bass in the default table
BELLS = "1-13571-A-46.flac"  # church bells (fold 1): TT in the default table
UNSURE = "1-17124-A-43.flac"  # the shipped model of 25 Nov was not sure of it (car_horn 12%): the gate rejected it
CLIPS = (DOG, "1-115545-A-48.flac", "1-17367-A-10.flac", "1-137-A-32.flac", UNSURE)  # + fireworks, rain, keys


def exsampling(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exsampling_patch.cli", *args], capture_output=True, text=True,
                          timeout=180, cwd=cwd)


def exsampling_here(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The same command run by ``main`` in this process, where torch and the model's code are loaded already:
    what the subprocess gives, seconds sooner. Output is caught by redirecting ``sys.stdout`` and ``sys.stderr``."""
    out, err, before = io.StringIO(), io.StringIO(), Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's refusals
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def in_this_process(spec: NodeSpec) -> NodeSpec:
    """A copy of ``spec``, a classifier set to classify in this process (``own_process`` off), where torch and the
    model's code are loaded already. Why: a process of its own imports torch and loads the model anew, 3-5 s of each
    test; its answers are the same as here (tests/models/test_process.py), and these tests are about the way from
    the classifier to a slot."""
    copied = spec.copy()
    if copied.type == "classifier":
        copied.params["own_process"] = False
    return copied


def rows_of(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines()]


def patch_copy(folder: Path, **gate: Any) -> Path:
    """The default patch, written to ``folder`` with the gate's parameters changed."""
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    next(n for n in data["nodes"] if n["type"] == "confidence_gate").setdefault("params", {}).update(gate)
    path = folder / "patch.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def short_sounds(folder: Path) -> tuple[Path, Path]:
    """A 40 ms click in 0.3 s of silence either side, and a file of digital silence."""
    rate = 48000
    t = np.arange(int(0.04 * rate)) / rate
    hit = (0.4 * np.sin(2 * np.pi * 3000 * t) * np.exp(-t / 0.004)).astype(np.float32)
    hit[:48] += 0.8 * np.hanning(48).astype(np.float32)
    quiet = np.zeros(int(0.3 * rate), np.float32)
    click, silent = folder / "click.wav", folder / "silent.wav"
    sf.write(str(click), np.concatenate([quiet, hit, quiet]), rate)
    sf.write(str(silent), np.zeros(rate, np.float32), rate)
    return click, silent


def test_classify_through_the_default_patch(esc50: Path, tmp_path: Path) -> None:
    click, silent = short_sounds(tmp_path)
    dog = esc50 / "audio" / DOG
    done = exsampling("classify", "--patch", str(DEFAULT_PATCH), str(dog), str(click), str(silent), "--json")
    assert done.returncode == 0, done.stderr
    by_name = {Path(r["file"]).name: r for r in rows_of(done)}
    assert list(by_name) == [DOG, "click.wav", "silent.wav"]
    row = by_name[DOG]
    assert row["top"][0]["label"] == "dog" and len(row["top"]) == 5
    assert (row["slot"], row["reason"]) == ("Bass", None)
    assert row["slot_probability"] >= row["top"][0]["probability"]  # Bass's labels summed (choose: slot)
    # Rounded to 6 places, as classify's rows without --patch are: a script reading both compares like with like.
    figures = [t["probability"] for t in row["top"]] + [row["slot_probability"]]
    assert figures == [round(p, 6) for p in figures]
    plain = rows_of(exsampling_here("classify", str(dog), "--json"))[0]["top"]
    assert [round(t["probability"], 6) for t in plain] == [t["probability"] for t in plain]
    clicked = by_name["click.wav"]  # 30 ms is a sound: it is classified, and lands or says why not
    assert clicked["top"] and set(clicked["top"][0]) == {"label", "probability"}
    assert (clicked["slot"] is None) != (clicked["reason"] is None), clicked
    assert not str(clicked["reason"]).startswith("nothing to classify")
    assert by_name["silent.wav"] == {"file": str(silent), "top": [], "slot": None,
                                     "reason": "dropped by trim: silent take"}

    text = exsampling_here("classify", "--patch", str(DEFAULT_PATCH), str(dog), "--top", "2")
    assert text.returncode == 0, text.stderr
    # The text's figures are the --json row's, to 2 places (the model's own figures: 0.9x once, 1.00 since 7 Dec)
    sure, bass = row["top"][0]["probability"], row["slot_probability"]
    assert text.stdout.startswith(f"{dog}: dog {sure:.2f}") and f" -> Bass {bass:.2f}" in text.stdout, text.stdout
    assert text.stdout.count(",") == 1  # two labels


def test_classify_patch_names_what_is_wrong_with_a_file(esc50: Path, tmp_path: Path) -> None:
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("a shopping list, not a recording")
    missing, dog = tmp_path / "gone.wav", esc50 / "audio" / DOG
    damaged = tmp_path / "damaged.wav"  # a float file with a NaN in it: damaged, not silent
    sf.write(damaged, np.array([0.5, np.nan, -0.5] * 4000, np.float32), 48000, subtype="FLOAT")
    done = exsampling_here("classify", "--patch", str(DEFAULT_PATCH), str(not_audio), str(tmp_path), str(missing),
                      str(damaged), str(dog))
    assert done.returncode == 1, done.stderr  # the four bad ones failed; the dog still ran
    assert done.stdout.splitlines() == [
        f"{not_audio}: error: not an audio file that can be read (WAV, FLAC, OGG, MP3, AIFF, ...)",
        f"{tmp_path}: error: a folder, not an audio file (name its files: {tmp_path / '*.wav'}, 2 of them)",
        f"{missing}: error: no such file",
        f"{damaged}: error: damaged: 4000 of its samples are NaN or infinite",
        *[line for line in done.stdout.splitlines() if re.match(rf"{re.escape(str(dog))}: dog [01]\.\d\d, ", line)],
    ]


def test_classify_patch_json_rows_of_files_that_failed_have_slot_and_reason(esc50: Path, tmp_path: Path) -> None:
    # The help promises "slot" and "reason" on every --patch row; a missing file's row was {"file", "error"}
    # alone, and a script reading row["slot"] ended in a KeyError on it.
    missing, dog = tmp_path / "gone.wav", esc50 / "audio" / DOG
    done = exsampling_here("classify", "--patch", str(DEFAULT_PATCH), str(missing), str(dog), "--json")
    assert done.returncode == 1
    gone, barked = rows_of(done)
    assert gone == {"file": str(missing), "top": [], "slot": None, "reason": "no such file", "error": "no such file"}
    assert {"file", "top", "slot", "reason"} <= set(barked) and barked["slot"] == "Bass" and "error" not in barked


def test_classify_through_a_strict_gate_says_why_not_or_falls_back(esc50: Path, tmp_path: Path) -> None:
    dog = str(esc50 / "audio" / DOG)
    strict = patch_copy(tmp_path, threshold=0.999)
    (row,) = rows_of(exsampling_here("classify", "--patch", str(strict), dog, "--json"))
    assert row["top"][0]["label"] == "dog" and row["top"][0]["probability"] < 0.999
    # The dog's figure as few places as read below the gate's 99.9% (99.8%, not a rounded 100% that contradicts the
    # rejection), and the figure of its probability to those places.
    said = re.fullmatch(r"not sure \(dog (\d+)(\.\d+)?%\)", str(row["reason"]))
    assert row["slot"] is None and said is not None, row
    places = len(said[2] or ".") - 1
    sure = row["top"][0]["probability"] * 100
    assert float(said[1] + (said[2] or "")) == round(sure, places) < 99.9, row
    assert places == 0 or round(sure, places - 1) >= 99.9, row  # no more places than it takes
    text = exsampling_here("classify", "--patch", str(strict), dog)
    assert text.stdout.strip().endswith("-> no slot: " + row["reason"])

    falling = patch_copy(tmp_path, threshold=0.999, fallback_slot="Chorus")
    (row,) = rows_of(exsampling_here("classify", "--patch", str(falling), dog, "--json"))
    assert (row["slot"], row["reason"]) == ("Chorus", None) and row["fallback"].startswith("not sure (dog")
    # No figure for Chorus: "-> Chorus 0.99" was the dog's 99%, read as the classifier sure of Chorus; the running
    # patch's line says "dog 99% -> Chorus (gate's fallback: ...)", and none of the labels is Chorus's.
    assert "slot_probability" not in row
    text = exsampling_here("classify", "--patch", str(falling), dog)
    assert text.stdout.strip().endswith(f" -> Chorus (gate's fallback: {row['fallback']})"), text.stdout


def test_classify_names_the_label_without_a_slot_as_the_running_patch_does(esc50: Path, tmp_path: Path) -> None:
    # A table row that removes church_bells: the bells' other top labels (electric_piano_organ, car_horn) have
    # slots, yet "map's table has no slot for church_bells, electric_piano_organ, car_horn" was said; the running
    # patch's slot map tells "no slot for church_bells", the label whose weight kept the take from a slot.
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    next(n for n in data["nodes"] if n["type"] == "slot_map")["params"] = {"table": {"church_bells": ""}}
    patch = tmp_path / "patch.yaml"
    patch.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (row,) = rows_of(exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / BELLS), "--json"))
    assert row["top"][0]["label"] == "church_bells" and row["slot"] is None
    assert row["reason"] == "map's table has no slot for church_bells"


def test_classify_json_help_names_every_key_a_row_has(esc50: Path, tmp_path: Path) -> None:
    # The help named "file", "top", "slot" and "reason": rows with --patch carry "slot_probability" and, past the
    # gate's fallback, "fallback" too, which a script writer learnt only from the output.
    import argparse
    import re

    from exsampling_patch.cli import build_parser

    falling = patch_copy(tmp_path, threshold=0.999, fallback_slot="Chorus")
    rows = rows_of(exsampling_here("classify", "--patch", str(falling), str(esc50 / "audio" / DOG), "--json"))
    rows += rows_of(exsampling_here("classify", "--patch", str(DEFAULT_PATCH), str(esc50 / "audio" / DOG), "--json"))
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    classify = commands.choices["classify"]
    (json_help,) = [action.help for action in classify._actions if "--json" in action.option_strings]
    named = set(re.findall(r'"(\w+)"', json_help or ""))
    assert {key for row in rows for key in row} - named == set()
    assert {"slot_probability", "fallback"} <= {key for row in rows for key in row}
    assert "slot_probability" not in rows[0] and "fallback" not in rows[1]  # the one or the other


def test_classify_patch_model_is_found_from_the_patch_folder(esc50: Path, tmp_path: Path) -> None:
    from exsampling_patch.models.classifier import SHIPPED_MODEL

    (tmp_path / "models").mkdir()
    shutil.copy(SHIPPED_MODEL, tmp_path / "models" / "mine.pt")
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    next(n for n in data["nodes"] if n["type"] == "classifier")["params"]["model"] = "models/mine.pt"
    patch = tmp_path / "patch.yaml"
    patch.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (row,) = rows_of(exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG), "--json",
                                cwd=elsewhere))
    assert row["slot"] == "Bass"
    (tmp_path / "models" / "mine.pt").unlink()
    missing = exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG), cwd=elsewhere)
    assert missing.returncode == 2 and "mine.pt" in missing.stderr
    mixed = exsampling_here("classify", "--patch", str(DEFAULT_PATCH), "--window", "1s", str(esc50 / "audio" / DOG))
    assert mixed.returncode == 2 and "--window" in mixed.stderr


def test_classify_patch_tells_a_model_that_is_no_model_file_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, "error: patch.yaml: not a readable model file: ...": check passes such a patch, and the line of the
    # parameter to change was left to find.
    (tmp_path / "notes.pt").write_text("not a model\n", encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: notes.pt\n"
                     "links: []\n", encoding="utf-8")
    take = tmp_path / "take.wav"
    sf.write(take, np.full(4800, 0.1, dtype=np.float32), 48000)
    assert main(["classify", "--patch", str(patch), str(take)]) == 2
    said = capsys.readouterr().err
    # the model named as the patch names it (735e4a9)
    assert said.startswith(f"error: {patch}:6: node 'clf': parameter 'model': not a readable model file: "
                           "'notes.pt' ("), said


def test_classify_with_a_patch_refuses_max_seconds_as_it_refuses_window(esc50: Path) -> None:
    # Before, `--max-seconds 2` with --patch was dropped without a word: the patch's classifier scored 5 s.
    mixed = exsampling_here("classify", "--patch", str(DEFAULT_PATCH), "--max-seconds", "2",
                            str(esc50 / "audio" / DOG))
    assert mixed.returncode == 2 and mixed.stdout == ""
    assert mixed.stderr == "error: --max-seconds comes from the patch's classifier node with --patch\n"


def test_classify_with_a_patch_says_when_top_asks_more_than_its_classifier_passes(esc50: Path) -> None:
    # Before, `--top 10 --patch` showed 5 labels without a word: the patch's classifier passes on its top_k (5).
    dog = str(esc50 / "audio" / DOG)
    many = exsampling_here("classify", "--patch", str(DEFAULT_PATCH), "--top", "10", dog, "--json")
    assert many.returncode == 0 and len(rows_of(many)[0]["top"]) == 5
    assert many.stderr == "note: the patch's classifier passes on 5 labels (its top_k): --top 10 shows those\n"
    few = exsampling_here("classify", "--patch", str(DEFAULT_PATCH), "--top", "3", dog, "--json")
    assert len(rows_of(few)[0]["top"]) == 3 and few.stderr == ""


def test_patch_chain_gives_the_slots_the_running_patch_gives(esc50: Path) -> None:
    """The default patch's trim, classifier, gate and map running in the engine, against PatchChain."""
    default, registry = load_patch(DEFAULT_PATCH)
    patch = Patch()
    for node_id in ("trim", "classifier", "gate", "map"):
        patch.add_node(in_this_process(default.nodes[node_id]))
    patch.add_node(NodeSpec("probe", "test_slot_probe", {}))
    for link in default.links:
        if link.source.node in patch.nodes and link.target.node in patch.nodes:
            patch.connect(link.source, link.target)
    patch.connect("map.slot", "probe.slot")
    registry.register(SlotProbe, "tests")
    takes = [read_take(esc50 / "audio" / name).derive(take_id=name) for name in CLIPS]

    chain = PatchChain(DEFAULT_PATCH)
    chain.start()
    try:
        expected = {name: chain.run(take)[0].slot for name, take in zip(CLIPS, takes, strict=True)}
    finally:
        chain.stop()
    engine = Engine(registry, base_dir=DEFAULT_PATCH.parent)
    engine.start(patch)
    try:
        assert not engine.errors, engine.errors
        for take in takes:
            engine.inject("trim", "take", take)
        assert engine.wait_idle(60, settle=0.3)
        probe: Any = engine.node("probe")
        running = {a.take.take_id: a.slot for a in probe.received}
    finally:
        engine.stop()
    assert expected[DOG] == "Bass"
    assert running == {name: slot for name, slot in expected.items() if slot is not None}


def test_a_patch_that_cannot_be_used_is_named_once_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("exsampling_patch: 1\nnodes:\n- {id: c, type: classifier, params: {window: bogus}}\nlinks: []\n",
                   encoding="utf-8")
    done = exsampling_here("classify", "--patch", str(bad), str(tmp_path / "any.wav"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {bad}:3: node 'c': parameter 'window' is 'bogus', not one of whole, 1s, " \
                                  "2s, 4s"
    writer = REPO / "patches" / "web_to_writer.yaml"
    done = exsampling_here("classify", "--patch", str(writer), str(tmp_path / "any.wav"))
    assert done.returncode == 2 and done.stderr.strip() == f"error: {writer}: no classifier node"


TICKER = '''import threading

from exsampling_patch import TAKE, Input, Node, Output


class Ticker(Node):
    """A processing step that runs a thread from its start() until its stop()."""

    type_name = "ticker"
    family = "processing"
    take = Input(TAKE)
    out = Output(TAKE)

    def start(self):
        self.run_thread(self.stop_event.wait, name=f"{self.node_id}-ticks")

    def on_take(self, take):
        self.emit("out", take)
'''


def test_a_chain_whose_classifier_fails_to_start_stops_the_steps_started_before_it(tmp_path: Path) -> None:
    # The upstream steps start first; the classifier's start() then raised on its model, and the steps' threads
    # (a plugin's child processes, as well) were left running: run_patch returned without a chain to stop.
    (tmp_path / "my-nodes").mkdir()
    (tmp_path / "my-nodes" / "ticker.py").write_text(TICKER, encoding="utf-8")
    # A pickle, as torch wrote before 1.6: check cannot tell it without torch, so the patch loads and the start fails.
    (tmp_path / "notes.pt").write_bytes(b"\x80\x02not a model\n")
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs: [my-nodes]\nnodes:\n- id: tick\n  type: ticker\n"
                     "- id: clf\n  type: classifier\n  params:\n    model: notes.pt\n"
                     "links:\n- tick.out -> clf.take\n", encoding="utf-8")
    take = tmp_path / "take.wav"
    sf.write(take, np.full(4800, 0.1, dtype=np.float32), 48000)
    chain = PatchChain(patch)
    (step,) = chain.steps
    with pytest.raises(Exception, match="not a readable model file"):
        chain.start()
    assert step.node.stop_event.is_set()
    assert [t.name for t in step.node._threads if t.is_alive()] == []
    done = exsampling_here("classify", "--patch", str(patch), str(take))
    assert done.returncode == 2 and "not a readable model file" in done.stderr
    assert [t.name for t in threading.enumerate() if t.name == "tick-ticks"] == []


def test_classify_patch_notes_a_gate_that_judges_by_other_rows_than_its_map(esc50: Path, tmp_path: Path) -> None:
    # Rows in the map's table alone: a take the map would give HH was "not sure" at the gate, summed by the shipped
    # rows, and classify --patch said nothing of it; check warns at the gate's line. Now noted as check words it.
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    rows = {"tambourine_shaker": "HH", "woodblock_rim": "HH"}
    next(n for n in data["nodes"] if n["type"] == "slot_map")["params"] = {"table": rows}
    patch = tmp_path / "patch.yaml"
    patch.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    dog = str(esc50 / "audio" / DOG)
    done = exsampling_here("classify", "--patch", str(patch), dog)
    assert done.returncode == 0 and " -> Bass " in done.stdout
    (note,) = done.stderr.splitlines()
    assert note.startswith(f"note: {patch}:") and "node 'gate': it judges slots by a table that differs from the " \
        "one 'map' chooses by, in 2 rows: tambourine_shaker: HH in 'map', Snare here" in note, note
    next(n for n in data["nodes"] if n["type"] == "confidence_gate")["params"]["table"] = rows
    patch.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    same = exsampling_here("classify", "--patch", str(patch), dog)
    assert same.returncode == 0 and "differs from" not in same.stderr  # (the calibration note, rows moved, stays)


def test_classify_patch_notes_a_table_row_that_changes_nothing(esc50: Path, tmp_path: Path) -> None:
    # `dgo: Chorus` in the map's table: the dog still went to Bass, and classify --patch, run to try that edit, said
    # nothing of why; check warns that the row is no label of the model. The chain's nodes' warnings are noted.
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    next(n for n in data["nodes"] if n["type"] == "slot_map")["params"] = {"table": {"dgo": "Chorus"}}
    next(n for n in data["nodes"] if n["type"] == "confidence_gate")["params"]["table"] = {"dgo": "Chorus"}
    patch = tmp_path / "patch.yaml"
    patch.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    done = exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG))
    assert done.returncode == 0 and " -> Bass " in done.stdout
    assert [line.split(": ", 2)[1:] for line in done.stderr.splitlines()] == [
        [f"{patch}:{line}", f"node '{node}': table row 'dgo' is no label of the model of 'classifier', so it changes "
                            "nothing: did you mean 'dog'?"]
        for node, line in (("gate", _line_of(patch, "dgo:")), ("map", _line_of(patch, "dgo:", 2)))]


def _line_of(path: Path, text: str, nth: int = 1) -> int:
    """The line of the ``nth`` line of ``path`` holding ``text``."""
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    return lines[nth - 1]
