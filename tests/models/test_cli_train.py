"""`exsampling train`, run as real processes on real ESC-50 audio: a model it makes drives the classifier node
(nodes/sound_classifier.py) on held-out takes; what it refuses, leaves out or cannot write is told before or after
training."""

from __future__ import annotations

import os
import re
import resource
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.cli import main as cli_main
from exsampling_patch.messages import Prediction, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.classify import SoundClassifier
from tests.models.test_cli_classify import esc50_rows, exsampling
from tests.models.train_runs import Ran, TrainRun, run_all

CLASSES = ("church_bells", "dog", "rain")  # sorted, as the model's labels will be


def takes_folder(esc50: Path, root: Path, per_class: int = 10) -> Path:
    """``root/<class>/`` holding ``per_class`` ESC-50 clips of folds 1-3 (symlinked) for each class."""
    rows = esc50_rows(esc50)
    for c in CLASSES:
        (root / c).mkdir(parents=True)
        for r in [r for r in rows if r["category"] == c and r["fold"] in ("1", "2", "3")][:per_class]:
            (root / c / r["filename"]).symlink_to(esc50 / "audio" / r["filename"])
    return root


def earlier_model(path: Path) -> bytes:
    """A model file at ``path``, as an earlier training wrote it (its labels clank and hum); its bytes."""
    from exsampling_patch.models.model_file import save_model_file
    from exsampling_patch.models.network import SoundNet

    return save_model_file(SoundNet(2), ["clank", "hum"], path).read_bytes()


def test_train_writes_model_card_and_confusion_and_the_node_uses_it(
        esc50: Path, trained: dict[str, subprocess.CompletedProcess[str]]) -> None:
    done = trained["esc50"]
    out = Path(done.args[-1])
    tmp_path = out.parents[1]

    assert done.returncode == 0, done.stderr
    assert "%|" in done.stderr and "features" in done.stderr  # tqdm progress bars on stderr
    assert "slots by the shipped table: church_bells -> TT, dog -> Bass, rain -> Wind\n" in done.stderr
    assert out.is_file()
    card = out.with_suffix(".md").read_text()
    assert "accuracy" in card and "church_bells" in card
    png = out.with_name("mine_confusion.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(out) in done.stdout

    # The classifier node loads it (a relative path, resolved against the patch folder) and beats chance
    # (1/3) clearly on held-out takes: fold-4 clips, which share no recording with folds 1-3.
    node = SoundClassifier("clf", {"model": "models/mine.pt", "window": "1s"}, NodeContext(base_dir=tmp_path))
    node.start()
    held_out = [(r["filename"], r["category"]) for r in esc50_rows(esc50)
                if r["category"] in CLASSES and r["fold"] == "4"]
    assert len(held_out) == 24
    for name, _ in held_out:
        y, sr = sf.read(str(esc50 / "audio" / name), dtype="float32")
        node.handle("take", Take(y, sr))
    predictions = [m for port, m in node.context.emitted if port == "prediction"]
    assert all(isinstance(p, Prediction) and p.label in CLASSES for p in predictions)
    correct = sum(p.label == c for p, (_, c) in zip(predictions, held_out, strict=True))
    assert correct / len(held_out) >= 0.7, f"{correct}/{len(held_out)} held-out takes right"
    # The trunk frozen, its int8 form is the base's as it is (calibrated on broad takes), not one calibrated and
    # scripted again on these 12 (2.3 s of a tiny run's 5.9 s); the held-out takes: 24/24 right either way.
    from exsampling_patch.models.model_file import SHIPPED_MODEL, load_model_file

    assert load_model_file(out).int8_trunk == load_model_file(SHIPPED_MODEL).int8_trunk


def test_train_refuses_an_out_that_is_the_shipped_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, `--out models/sounds.pt` passed: the training then replaced the model every patch uses. Checked on
    # the function the command asks before training, so that this test can never write over the shipped files.
    from exsampling_patch.commands.train import out_problem
    from exsampling_patch.models.model_file import SHIPPED_MODEL, VALIDATION_HEAD

    monkeypatch.chdir(SHIPPED_MODEL.parent)
    for out in (SHIPPED_MODEL, Path("sounds.pt"), Path("..") / SHIPPED_MODEL.parent.name / "sounds.pt",
                VALIDATION_HEAD):
        assert out_problem(out).startswith("the shipped model, which every patch without a model of its own uses: "
                                           "write your own file"), out
    assert out_problem(tmp_path / "sounds.pt") == ""


def test_train_refuses_an_out_whose_card_would_replace_a_file_of_the_users(tmp_path: Path) -> None:
    # Before, `--out notes.pt` trained and then wrote its card over notes.md; a card of an earlier training is
    # replaced, as the model is.
    from exsampling_patch.commands.train import out_problem

    (tmp_path / "notes.md").write_text("# My notes\n\nthe set list\n")
    (tmp_path / "mine.md").write_text("# Model card: mine\n")
    assert out_problem(tmp_path / "notes.pt") == (f"its card would replace {tmp_path / 'notes.md'}, which is not a "
                                                  "model card: name the model otherwise")
    assert out_problem(tmp_path / "mine.pt") == ""


def test_train_refuses_an_out_named_as_its_own_card(tmp_path: Path) -> None:
    # Before, `--out mine.md` wrote the model and then its card over it, and said "wrote mine.md ... and its card
    # mine.md": no model was left.
    from exsampling_patch.commands.train import out_problem

    assert out_problem(tmp_path / "mine.md") == ("the model's card is written beside it as a .md: name the model "
                                                 f"file .pt ({tmp_path / 'mine.pt'})")
    assert out_problem(tmp_path / "mine") == ""  # the card is mine.md beside it


def test_train_refuses_an_out_that_is_a_file_of_no_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `--out take.wav` (a take, a recording past undoing) was replaced by the model after a note "this training
    # replaces it", as a patch or a head file was: a model of an earlier training alone is replaced so.
    from exsampling_patch.commands.train import out_problem
    from exsampling_patch.models.model_file import save_head_file
    from exsampling_patch.models.network import SoundNet

    data = tiny_takes(tmp_path / "takes")
    take = tmp_path / "take.wav"
    sf.write(take, np.full(4800, 0.1, np.float32), 48000)
    recorded = take.read_bytes()
    assert cli_main(["train", str(data), "--out", str(take)]) == 2
    assert capsys.readouterr().err.endswith(
        f"error: --out {take}: an audio file (a take?) is there, not a model file: training would replace it. Name a "
        f"new file for the model, such as {tmp_path / 'take.pt'}\n")
    assert take.read_bytes() == recorded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.wav", "takes"]

    (tmp_path / "show.yaml").write_text("exsampling_patch: 1\nnodes: []\nlinks: []\n")
    assert out_problem(tmp_path / "show.yaml").startswith("a YAML file (a patch?) is there, not a model file: ")
    save_head_file(SoundNet(2), ["clank", "hum"], tmp_path / "head.pt")
    assert out_problem(tmp_path / "head.pt") == (
        "a head file (a model's head alone) is there, not a model file: training would replace it. Name a new file for "
        f"the model, such as {tmp_path / 'head_model.pt'}")
    (tmp_path / "junk.pt").write_bytes(b"PK\x03\x04 and then no zip archive")
    assert out_problem(tmp_path / "junk.pt").startswith("a .pt file that does not read as a model (damaged, or another "
                                                        "program's) is there, not a model file: ")
    earlier_model(tmp_path / "mine.pt")
    (tmp_path / "empty.pt").touch()
    assert out_problem(tmp_path / "mine.pt") == out_problem(tmp_path / "empty.pt") == ""  # nothing of yours is lost



def test_train_refuses_class_folders_that_the_slot_map_reads_as_one_label(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, folders Kick/ (knocks) and kick/ (barks) trained two classes that every table row sends to one slot
    # (the map reads labels case, spaces, '-' and '_' aside), and the gate judged each alone.
    for label in ("Kick", "kick", "hi-hat", "Hi Hat", "snare"):
        (tmp_path / "takes" / label).mkdir(parents=True)
        for n in range(3):
            sf.write(tmp_path / "takes" / label / f"{n}.wav", np.full(4800, 0.1 * (n + 1), np.float32), 48000)
    out = tmp_path / "mine.pt"
    assert cli_main(["train", str(tmp_path / "takes"), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        "error: class folders 'Hi Hat' and 'hi-hat'; 'Kick' and 'kick' are one label to the slot map and the gate "
        "(case, spaces, '-' and '_' do not matter there): no table row could tell their takes apart. Put them in one "
        "folder, or name them apart\n")
    assert not out.exists()


def test_train_that_cannot_write_its_model_keeps_the_one_there(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # Before, on a full disk `exsampling train --out show.pt` ended in a traceback from torch's zip writer
    # ("unexpected pos 4662720 vs 4662672") and left show.pt cut short: the show's model, gone. A file size limit
    # of 1 MB stands for the full disk here, as the kernel refuses the write past it (EFBIG).
    for label in ("clank", "hum"):
        (tmp_path / "takes" / label).mkdir(parents=True)
        for n in range(3):
            sf.write(tmp_path / "takes" / label / f"{n}.wav", np.full(4800, 0.1 * (n + 1), np.float32), 48000)
    out = tmp_path / "show.pt"
    shows = earlier_model(out)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails, the process goes on
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, hard))
    try:
        code = cli_main(["train", str(tmp_path / "takes"), "--out", str(out), "--threads", "1"])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert code == 2
    assert capsys.readouterr().err.endswith(f"error: cannot write the model file {out} (is the disk full?): the "
                                            "model there before is kept\n")
    assert out.read_bytes() == shows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show.pt", "takes"]  # no part-written file left

def test_train_says_when_its_out_replaces_an_earlier_model(tmp_path: Path) -> None:
    # Before, `exsampling train takes/` wrote over the my_model.pt (and its card) of an earlier training without a
    # word; retraining into one file is normal, so it is told, not refused.
    from exsampling_patch.commands.train import out_note

    (tmp_path / "my_model.pt").write_bytes(b"weights")
    (tmp_path / "my_model.md").write_text("# Model card: my_model\n")
    (tmp_path / "bare.pt").write_bytes(b"weights")
    assert out_note(tmp_path / "my_model.pt") == (
        f"{tmp_path / 'my_model.pt'} is there already: this training replaces it and its card "
        f"{tmp_path / 'my_model.md'} (give --out another name to keep it)")
    assert out_note(tmp_path / "bare.pt") == (f"{tmp_path / 'bare.pt'} is there already: this training replaces it "
                                              "(give --out another name to keep it)")
    assert out_note(tmp_path / "new.pt") == ""


def test_train_tells_the_model_it_replaces_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for label in ("a", "b"):
        (tmp_path / "takes" / label).mkdir(parents=True)
        for n in range(3):
            sf.write(tmp_path / "takes" / label / f"{n}.wav", np.full(4800, 0.1 * (n + 1), np.float32), 48000)
    weights = earlier_model(tmp_path / "my_model.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    # --base a file of no model: refused as the training begins, so that the note is seen without training
    assert cli_main(["train", str(tmp_path / "takes"), "--out", str(tmp_path / "my_model.pt"),
                     "--base", str(tmp_path / "junk.pt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"note: {tmp_path / 'my_model.pt'} is there already: this training replaces it "), err
    # it said "error: not a readable model file: ...", of no option
    assert err.endswith(f"error: --base {tmp_path / 'junk.pt'}: not a readable model file: {tmp_path / 'junk.pt'} "
                        "(not a model file: it holds something other than weights)\n"), err
    assert (tmp_path / "my_model.pt").read_bytes() == weights


def test_train_says_before_training_which_labels_have_too_few_takes_to_hold_one_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, two takes a label at --val 0.2 held none out without a word, and the training ended in
    # "validation accuracy n/a on 0 takes".
    from exsampling_patch.models.train import load_dataset, split_train_val

    takes = tmp_path / "takes"
    for label, count in (("kick", 3), ("clank", 2)):
        (takes / label).mkdir(parents=True)
        for n in range(count):
            sf.write(takes / label / f"{n}.wav", np.full(4800, 0.1 * (n + 1), np.float32), 48000)
    (tmp_path / "junk.pt").write_bytes(b"junk")  # --base refused as the training begins: the notes, no training

    def notes(*args: str) -> list[str]:
        assert cli_main(["train", str(takes), "--out", str(tmp_path / "mine.pt"), "--base",
                         str(tmp_path / "junk.pt"), *args]) == 2
        return [line for line in capsys.readouterr().err.splitlines() if "validation" in line]

    assert notes() == ["note: clank: too few takes to hold one out for validation (3 needed at --val 0.2): the "
                       "accuracy is measured on the other labels alone"]
    dataset = load_dataset(takes)
    _, val = split_train_val(dataset, 0.2)
    assert {dataset.examples[i].label for i in val} == {"kick"}  # what the note says is what the split does
    assert notes("--val", "0.5") == []
    (takes / "kick" / "2.wav").unlink()
    assert notes() == ["note: no take is held out for validation: each label needs 3 takes for --val 0.2 to hold one "
                       "out, so the model's accuracy is not measured"]


def hum_and_hiss(root: Path) -> Path:
    """``root/hum/`` of three hums (110 Hz and up) and ``root/hiss/`` of three noises, 0.3 s each: labels a model tells
    apart."""
    rng = np.random.default_rng(0)
    for label, hz in (("hum", 110.0), ("hiss", 0.0)):
        (root / label).mkdir(parents=True)
        for n in range(3):
            t = np.arange(14400) / 48000
            y = np.sin(2 * np.pi * hz * (1 + n / 10) * t) if hz else rng.standard_normal(len(t))
            sf.write(root / label / f"{n}.wav", (0.3 * y).astype(np.float32), 48000)
    return root


@pytest.fixture(scope="module")
def trained(esc50: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ran]:
    """The trainings of this module that run to their end, in one process (tests/models/train_runs.py): seconds of
    torch's import and warm-up, once. "esc50": ESC-50 clips into ``models/mine.pt``; "hum and hiss": into ``mine.pt``
    on one thread; "full 0.5", "full 0.1": the disk full once the model is written, at that --val, an earlier card of
    ``mine.md`` there."""
    folder = tmp_path_factory.mktemp("esc50")
    # 4 clips a class (one held out): 24/24 held-out takes right, as 10 a class; the run half as long
    runs = {"esc50": TrainRun(["train", str(takes_folder(esc50, folder / "takes", per_class=4)), "--out",
                               str(folder / "models" / "mine.pt")], "", [])}
    folder = tmp_path_factory.mktemp("hum-and-hiss")
    runs["hum and hiss"] = TrainRun(["train", str(hum_and_hiss(folder / "takes")), "--threads", "1", "--out",
                                    str(folder / "mine.pt")], "", [])
    for val in ("0.5", "0.1"):  # a take of each label held out (a confusion matrix); none
        folder = tmp_path_factory.mktemp(f"full-{val}")
        (folder / "mine.md").write_text("# Model card: mine\n\nthe card of an earlier model\n")
        runs[f"full {val}"] = TrainRun(["train", str(tiny_takes(folder / "takes")), "--threads", "1", "--val", val,
                                        "--out", str(folder / "mine.pt")], "full", [])
    return run_all(runs)


def test_train_fits_on_the_threads_it_is_given(trained: dict[str, subprocess.CompletedProcess[str]]) -> None:
    # Before, the fit always took 2 torch threads: on a 2-core machine busy with other work, 4-10x slower than 1.
    from exsampling_patch.models.model_file import load_model_file

    done = trained["hum and hiss"]
    out = Path(done.args[-1])
    assert done.returncode == 0, done.stderr
    assert load_model_file(out).meta["config"]["threads"] == 1  # the fit's torch.set_num_threads
    assert "base_table" not in done.stderr  # no label named after a slot: no note of one
    refused = exsampling("train", str(out.parent / "takes"), "--out", str(out), "--threads", "0")
    assert refused.returncode == 2 and "--threads" in refused.stderr, refused.stderr


def test_train_ends_with_a_classify_command_that_uses_its_model(
        trained: dict[str, subprocess.CompletedProcess[str]], capsys: pytest.CaptureFixture[str]) -> None:
    # Before, it ended at "wrote mine.pt ... and its card": what to do with the model was in --help alone. The command
    # is run by main in this process (torch loaded already): a process of its own spent seconds importing torch.
    done = trained["hum and hiss"]
    assert done.returncode == 0, done.stderr
    said = re.search(r"^use it: \.venv/bin/exsampling (classify .*) FILE\.\.\., or in a patch the classifier node's "
                     r"parameter model: (.*)$", done.stdout, flags=re.M)
    assert said, done.stdout
    assert said.group(2) == done.args[-1]
    take = Path(done.args[-1]).parent / "takes" / "hum" / "0.wav"
    assert cli_main([*shlex.split(said.group(1)), str(take)]) == 0
    classified = capsys.readouterr()
    assert classified.out.startswith(f"{take}: h"), classified  # hum or hiss: the model's labels


def test_train_says_which_labels_the_shipped_table_has_no_slot_for() -> None:
    from exsampling_patch.commands.train import slots_line

    assert slots_line(["Hi-hat", "kazoo", "Kick", "whistle"]) == (
        "slots by the shipped table: Hi-hat -> HH, Kick -> BD; not in it: kazoo, whistle (give them slots in the "
        "slot map's table, or they go to its 'unmapped' output)")
    assert slots_line(["Kick", "my_bell"]) == (
        "slots by the shipped table: Kick -> BD; not in it: my_bell (give it a slot in the slot map's table, or it "
        "goes to its 'unmapped' output)")


@pytest.mark.parametrize("problem", ["empty class folder", "unreadable file", "one class only"])
def test_train_refuses_bad_data_before_training(
    problem: str, esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = takes_folder(esc50, tmp_path / "takes", per_class=2)
    if problem == "empty class folder":
        (data / "wind").mkdir()
        (data / "wind" / "notes.txt").write_text("forgot the recordings")
        culprit = "wind"
    elif problem == "unreadable file":
        (data / "dog" / "broken.wav").write_bytes(b"RIFF....garbage")
        culprit = "broken.wav"
    else:
        for c in CLASSES[1:]:
            for f in (data / c).iterdir():
                f.unlink()
            (data / c).rmdir()
        culprit = "only one class"
    out = tmp_path / "mine.pt"

    code = cli_main(["train", str(data), "--out", str(out)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and culprit in err
    assert "%|" not in err and "features" not in err  # no training started
    assert not out.exists() and not out.with_suffix(".md").exists()


@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_train_refuses_an_out_it_cannot_write_before_training(
    where: str, esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before, `--out models/` (a folder) or a path under a file trained for seconds, then ended in a traceback
    # (torch's "open file failed ... Is a directory", pathlib's FileNotFoundError).
    data = takes_folder(esc50, tmp_path / "takes", per_class=2)
    (tmp_path / "notes.txt").write_text("not a folder")
    out = tmp_path / "models" if where == "a folder" else tmp_path / "notes.txt" / "mine.pt"
    (tmp_path / "models").mkdir()

    code = cli_main(["train", str(data), "--out", str(out)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: --out {out}: ") and len(err.strip().splitlines()) == 1, err
    assert ("a folder" if where == "a folder" else "not a folder") in err
    assert not list((tmp_path / "models").iterdir())  # nothing trained, nothing written


def test_train_tells_the_files_it_leaves_out(esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a phone's M4A beside the WAV takes of a label was left out of the training without a word.
    data = takes_folder(esc50, tmp_path / "takes", per_class=2)
    memo = data / "dog" / "memo.m4a"
    memo.write_bytes(b"\x00\x00\x00\x1cftypM4A " + bytes(32))
    (tmp_path / "models").mkdir()
    # --out a folder: refused once the data is read, so the note is seen without training for seconds
    assert cli_main(["train", str(data), "--out", str(tmp_path / "models")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"note: 1 file of a kind not read left out (.m4a), such as {memo}\n"), err


def tiny_takes(root: Path, labels: tuple[str, ...] = ("clank", "hum")) -> Path:
    """``root/<label>/`` of three short synthetic takes each: enough for the checks made before training."""
    for label in labels:
        (root / label).mkdir(parents=True)
        for n in range(3):
            sf.write(root / label / f"{n}.wav", np.full(4800, 0.1 * (n + 1), np.float32), 48000)
    return root


def test_train_leaves_out_a_mac_zips_folder_and_hidden_ones(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    # Before, the __MACOSX/ folder a Mac zip unpacks beside the label folders was read as a label and refused:
    # "class folder has no audio files" (its ._ files are resource forks, not audio).
    data = tiny_takes(tmp_path / "takes")
    (data / "__MACOSX" / "hum").mkdir(parents=True)
    (data / "__MACOSX" / "hum" / "._0.wav").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (data / ".git").mkdir()
    (data / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (data / "hum" / "__MACOSX").mkdir()
    (data / "hum" / "__MACOSX" / "notes.txt").write_text("resource fork")
    (tmp_path / "models").mkdir()
    # --out a folder: refused once the data is read, so the note is seen without training
    assert cli_main(["train", str(data), "--out", str(tmp_path / "models"), "--threads", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"note: .git/, __MACOSX/ in {data} left out: a Mac zip's __MACOSX/ and hidden folders are "
                          "no label\nerror: --out "), err


@pytest.mark.parametrize(("labels", "note"), [
    (("Bark", "dog"), ""),
    (("Bark", "snare"), "note: with base_table: empty, snare goes to its slot once the slot map's table sends any "
                        "label there; else give it a row (snare: Snare)\n"),
])
def test_train_tells_of_labels_named_after_a_slot_only_where_there_are_some(
        labels: tuple[str, ...], note: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, every training printed a note of labels named after a sampler's own slots, with the row
    # "(Bark: Bark)": `exsampling check` refuses it, Bark being no slot of the default sampler.
    data = tiny_takes(tmp_path / "takes", labels)
    (tmp_path / "junk.pt").write_bytes(b"junk")
    # --base a file of no model: refused as the training begins, so that the notes are seen without training
    assert cli_main(["train", str(data), "--out", str(tmp_path / "mine.pt"), "--base", str(tmp_path / "junk.pt"),
                     "--threads", "1"]) == 2
    err = capsys.readouterr().err
    assert "base_table" not in err.replace(note, ""), err
    assert note in err, err


@pytest.mark.parametrize("val", ["0.5", "0.1"])  # a take of each label held out (a confusion matrix); none
def test_train_that_cannot_write_its_card_says_so_and_keeps_the_model(
        val: str, trained: dict[str, Ran]) -> None:
    # Before, a disk full once the model was written ended in a traceback from matplotlib's PNG writer (or the
    # card's): the model was written, but neither said nor its card named.
    from exsampling_patch.models.model_file import load_model_file

    done = trained[f"full {val}"]
    out = Path(done.args[-1])
    assert done.acted == [f"file size limit 256 at the rename to {out}"]  # the disk filled after the model
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.endswith(f"error: cannot write the model card {out.parent / 'mine.md'} (File too large): the "
                                f"model file {out} is written and used as it is; train again with room on the disk "
                                "to have its card\n"), done.stderr
    assert load_model_file(out).labels == ["clank", "hum"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["mine.pt", "takes"]  # no part-written or earlier card


def test_train_removes_what_a_training_killed_mid_write_left(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # Before, the part-written model file of a training killed mid-write (SIGKILL, a power cut) stayed beside the
    # model for good: megabytes, hidden. One of a process still running is left alone: it may be writing it now.
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    data = tiny_takes(tmp_path / "takes")
    models = tmp_path / "models"
    models.mkdir()
    killed = models / f".mine.pt.{int(ended.stdout)}-abcdefgh.part"
    killed.write_bytes(b"PK")
    running = models / f".mine.pt.{os.getppid()}-abcdefgh.part"
    running.write_bytes(b"PK")
    other = models / f".theirs.pt.{int(ended.stdout)}-abcdefgh.part"  # another model's: not this training's to say
    other.write_bytes(b"PK")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    # --base a file of no model: refused as the training begins, so that the note is seen without training
    assert cli_main(["train", str(data), "--out", str(models / "mine.pt"), "--base", str(tmp_path / "junk.pt"),
                     "--threads", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"note: removed 1 part-written file that a training stopped mid-write left: {killed.name}\n")
    assert sorted(p.name for p in models.iterdir()) == sorted([running.name, other.name])


def test_train_refused_leaves_no_folder_it_made_for_the_model(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a missing --out folder was made at the check of --out, before the training: a run refused after it
    # (--base not found) or stopped left it there, empty.
    from exsampling_patch.commands.train import out_problem

    data = tiny_takes(tmp_path / "takes")
    out = tmp_path / "new" / "models" / "mine.pt"
    assert out_problem(out) == ""
    assert cli_main(["train", str(data), "--base", str(tmp_path / "none.pt"), "--out", str(out)]) == 2
    assert "error: --base " in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["takes"]
    (tmp_path / "file").write_text("not a folder")
    assert out_problem(tmp_path / "file" / "mine.pt") == f"{tmp_path / 'file'} is not a folder"
