"""A model or head file with bytes changed in its weights: torch's reader checks none of its zip entries' CRC-32s,
so a copy of the shipped model with 200 kB zeroed in its middle passed `exsampling check`, loaded, and the show's
classifier classified with the damaged weights without a word. A file cut short was refused; this one now is too,
in the same words, by check (at the patch's line naming it) and by the loader (the classifier's start)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.commands.classify import PatchChain
from exsampling_patch.models.classifier import VALIDATION_HEAD, load_classifier, load_head_file, load_model_file
from exsampling_patch.models.model_header import SHIPPED_MODEL, ModelFileError, model_file_problem
from exsampling_patch.models.process import ClassifierProcess, ClassifierProcessError
from exsampling_patch.validate import check_file

DAMAGED = "damaged: a model file cut short or changed"


def zero_middle(path: Path, size: int = 200_000) -> None:
    """``size`` bytes zeroed in the middle of ``path`` (the weights, in a model file): its length is kept."""
    start = (path.stat().st_size - size) // 2
    with path.open("r+b") as file:
        file.seek(start)
        file.write(bytes(size))


def damaged_copy(source: Path, out: Path, size: int = 200_000) -> Path:
    shutil.copyfile(source, out)
    zero_middle(out, size)
    return out


def patch_naming(model: Path) -> Path:
    patch = model.with_name("show.yaml")
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n"
                     f"    model: {model.name}\nlinks: []\n", encoding="utf-8")
    return patch


def test_a_model_with_its_middle_zeroed_is_refused_by_check_and_by_load(tmp_path: Path) -> None:
    model = damaged_copy(SHIPPED_MODEL, tmp_path / "show.pt")
    told = f"not a readable model file: {model} ({DAMAGED})"
    assert model_file_problem(model) == told
    # check names the model as the patch names it (735e4a9)
    assert [(p.line, p.message) for p in check_file(patch_naming(model))] == [
        (6, f"node 'clf': parameter 'model': not a readable model file: '{model.name}' ({DAMAGED})")]
    with pytest.raises(ModelFileError) as raised:
        load_model_file(model)
    assert str(raised.value) == told
    with pytest.raises(ModelFileError) as raised:
        load_classifier(model)
    assert str(raised.value) == told


def test_an_undamaged_copy_still_passes_and_loads(tmp_path: Path) -> None:
    model = tmp_path / "show.pt"
    shutil.copyfile(SHIPPED_MODEL, model)
    assert model_file_problem(model) is None
    assert check_file(patch_naming(model)) == []
    assert load_model_file(model).labels == load_model_file().labels


def test_a_head_with_its_middle_zeroed_is_refused(tmp_path: Path) -> None:
    head = damaged_copy(VALIDATION_HEAD, tmp_path / "head.pt", 20_000)
    told = f"not a readable head file: {head} ({DAMAGED})"
    with pytest.raises(ModelFileError) as raised:
        load_head_file(head)
    assert str(raised.value) == told
    with pytest.raises(ModelFileError) as raised:
        load_classifier(None, head=head)
    assert str(raised.value) == told


def test_the_classifier_refuses_at_its_start_a_model_damaged_after_check(tmp_path: Path) -> None:
    """Check passed the file; it is changed before the show starts: the classifier's start refuses it, in its own
    process (as `exsampling run` starts it) and in this one (as `exsampling classify --patch` does)."""
    model = tmp_path / "show.pt"
    shutil.copyfile(SHIPPED_MODEL, model)
    chain = PatchChain(patch_naming(model))  # the patch loaded and checked with the file whole
    zero_middle(model)
    told = f"not a readable model file: {model} ({DAMAGED})"
    try:
        with pytest.raises(ModelFileError) as raised:
            chain.start()
        assert str(raised.value) == f"not a readable model file: '{model.name}' ({DAMAGED})"  # as the patch names it
    finally:
        chain.stop()
    process = ClassifierProcess(model, threads=1)
    try:
        with pytest.raises(ClassifierProcessError) as failed:
            process.wait_ready()
        assert told in str(failed.value)
    finally:
        process.stop()


def test_check_tells_a_damaged_shipped_model_at_the_line_of_a_classifier_with_no_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A classifier with no ``model`` loads the shipped model, which check did not read: damaged, it was told only
    at the show's start. The real one is left alone: the check reads a damaged copy in its place."""
    shipped = damaged_copy(SHIPPED_MODEL, tmp_path / "sounds.pt")
    monkeypatch.setattr("exsampling_patch.models.model_header.SHIPPED_MODEL", shipped)
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n"
                     "    threads: 1\nlinks: []\n", encoding="utf-8")
    assert main(["check", str(patch)]) != 0
    out = capsys.readouterr()
    err = out.out + out.err
    told = f"not a readable model file: {shipped} ({DAMAGED})"
    assert f"{patch}:3: node 'clf': no 'model' given, so it uses the shipped model, which will not load: {told}; " \
        "reinstall exsampling-patch" in err, err
    patch.write_text(patch.read_text(encoding="utf-8").replace("threads: 1", "model: ''"), encoding="utf-8")
    assert main(["check", str(patch)]) != 0
    out = capsys.readouterr()
    assert f"{patch}:6: node 'clf': no 'model' given, so it uses the shipped model" in out.out + out.err, out


def test_check_tells_a_shipped_model_that_is_not_there_at_the_line_of_a_classifier_with_no_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A shipped model missing altogether passed check (its loader was left to tell it, at the show's start), where a
    named model file that is missing is told. The real one is left alone: the check looks in an empty folder."""
    shipped = tmp_path / "models" / "sounds.pt"
    shipped.parent.mkdir()
    monkeypatch.setattr("exsampling_patch.models.model_header.SHIPPED_MODEL", shipped)
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n"
                     "    threads: 1\nlinks: []\n", encoding="utf-8")
    assert main(["check", str(patch)]) != 0
    out = capsys.readouterr()
    assert f"{patch}:3: node 'clf': no 'model' given, so it uses the shipped model, which will not load: " \
        f"'{shipped}' does not exist; reinstall exsampling-patch to get it back" in out.out + out.err, out
