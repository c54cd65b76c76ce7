"""A model's card given where its model is meant (`exsampling classify --model my_model.md`, `train --base`): the
card lies beside the model a training wrote, and was told as "not a model file (it holds something other than
weights)", with no word of the model file beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.models.classifier import SHIPPED_MODEL, ModelFileError, load_model_file, save_model_file
from exsampling_patch.models.network import SoundNet


def test_a_models_card_given_as_the_model_names_the_model_beside_it(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    model = save_model_file(SoundNet(2), ["clank", "hum"], tmp_path / "my_model.pt")
    card = tmp_path / "my_model.md"
    card.write_text("# Model card: my_model\n\n## Data\n", encoding="utf-8")
    told = f"{card} is the card of the model {model}, not a model file: give {model}"
    with pytest.raises(ModelFileError) as raised:
        load_model_file(card)
    assert str(raised.value) == told
    assert main(["classify", "--model", str(card), str(tmp_path / "take.wav")]) == 2
    assert capsys.readouterr().err == f"error: cannot load the model: {told}\n"

    # a model written without a suffix has its card beside it too (mine, mine.md)
    bare = save_model_file(SoundNet(2), ["clank", "hum"], tmp_path / "mine")
    (tmp_path / "mine.md").write_text("# Model card: mine\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match=f"^{tmp_path / 'mine.md'} is the card of the model {bare}, "):
        load_model_file(tmp_path / "mine.md")

    # the shipped model's card names its model
    shipped_card = SHIPPED_MODEL.parent / "MODEL_CARD.md"
    with pytest.raises(ModelFileError) as raised:
        load_model_file(shipped_card)
    assert str(raised.value) == (f"{shipped_card} is the card of the model {SHIPPED_MODEL}, not a model file: give "
                                 f"{SHIPPED_MODEL}")


def test_a_card_with_no_model_beside_it_or_a_markdown_file_of_no_model_is_told_as_before(tmp_path: Path) -> None:
    (tmp_path / "gone.md").write_text("# Model card: gone\n", encoding="utf-8")  # its model moved away
    (tmp_path / "notes.md").write_text("# Set list\n", encoding="utf-8")
    save_model_file(SoundNet(2), ["clank", "hum"], tmp_path / "notes.pt")  # a model, but notes.md is not its card
    for name in ("gone.md", "notes.md"):
        with pytest.raises(ModelFileError) as raised:
            load_model_file(tmp_path / name)
        assert str(raised.value) == (f"not a readable model file: {tmp_path / name} (not a model file: it holds "
                                     "something other than weights)")


def test_check_tells_a_patchs_model_that_is_a_card_at_its_line(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    # `exsampling check` reads the model's header without torch: it told "not a readable model file ... (not a model
    # file: it holds something other than weights)" of the card, as a load did before it named the model beside it.
    (tmp_path / "models").mkdir()
    model = save_model_file(SoundNet(2), ["clank", "hum"], tmp_path / "models" / "my_model.pt")
    card = model.with_suffix(".md")
    card.write_text("# Model card: my_model\n\n## Data\n", encoding="utf-8")
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: sorter\n  type: classifier\n  params:\n"
                     "    model: models/my_model.md\n- id: log\n  type: log\n"
                     "links:\n- sorter.prediction -> log.message\n",
                     encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    out = capsys.readouterr().out.splitlines()
    # The paths as the patch names them, from its folder, as the other path messages tell them (they were absolute).
    assert out[0].startswith(f"{patch}:6: node 'sorter': parameter 'model': 'models/my_model.md' is the card of the "
                             "model 'models/my_model.pt', not a model file: give 'models/my_model.pt' ("), out
    assert len(out) == 1, out

    (tmp_path / "sets").mkdir()  # a patch in a folder of its own: from its folder, up one
    patch = patch.replace(tmp_path / "sets" / "show.yaml")
    patch.write_text(patch.read_text(encoding="utf-8").replace("models/", "../models/"), encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    assert "'../models/my_model.md' is the card of the model '../models/my_model.pt', not a model file: give " \
           "'../models/my_model.pt' (" in capsys.readouterr().out
