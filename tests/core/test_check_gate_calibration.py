"""`exsampling check` (and `classify --patch`) warn of a confidence gate judging slots with the threshold its model
was calibrated with while its table sends some of the model's labels to other slots: the threshold was read off
held-out takes summed by the shipped table, and the model file carries the threshold alone (not those takes), so it
cannot be calibrated again for the patch's rows. Before, the default patch with a shaker and a rim moved to HH in
both its gate and its map passed check with "ok", and its gate judged sums the 0.45 was never calibrated for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import yaml

from exsampling_patch.models.model_header import MODEL_FORMAT, MODEL_VERSION, read_header
from exsampling_patch.validate import check_file_with_warnings
from tests.core.hat_take import hat
from tests.nodes.test_classify_patch_cli import exsampling_here

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "sounds.pt"
HATS = {"tambourine_shaker": "HH", "woodblock_rim": "HH"}
#: The threshold the shipped model was calibrated with, as check writes it: read from the file, so that shipping
#: another model does not mean editing these messages.
CALIBRATED = f"{(read_header(SHIPPED, 'model', MODEL_FORMAT, MODEL_VERSION) or {})['meta']['gate_threshold']:g}"


def shipped_with(folder: Path, gate: dict[str, Any], model: str = "") -> Path:
    """The default patch, its gate's and its map's tables given HATS, with these parameters added to its gate's."""
    data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    for node in data["nodes"]:
        params = node.setdefault("params", {})
        if node["id"] in ("gate", "map"):
            params["table"] = dict(HATS)
        params.update(gate if node["id"] == "gate" else {"model": model} if node["id"] == "classifier" and model
                      else {})
    path = folder / "show.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def line_of(path: Path, text: str, after: str = "- id: gate") -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(after)
    return next(i for i, line in enumerate(lines) if i > start and text in line) + 1


def test_a_gate_with_the_calibrated_threshold_summing_other_rows_is_warned_of_at_its_threshold(
        tmp_path: Path) -> None:
    path = shipped_with(tmp_path, {})
    problems, _, warnings = check_file_with_warnings(path)
    assert problems == []
    assert [(w.line, w.message, w.hint) for w in warnings] == [(
        line_of(path, "threshold:"),
        "node 'gate': its threshold, 0.47, is the one the model of 'classifier' was calibrated with "
        f"({CALIBRATED}, slots "
        "summed by the table in the model file), but its table sends 2 of the model's labels elsewhere: "
        "tambourine_shaker: HH here, Snare when calibrated; woodblock_rim: HH here, Snare when calibrated",
        "the slots it sums are not the calibrated ones, so how many takes pass, and how many of those land right, are "
        "not the model card's: try takes of the piece with `.venv/bin/exsampling classify --patch` and set the "
        "threshold that suits them (one other than 0.47 is taken as yours)")]

    # A threshold of the composer's own, a gate judging the best label (no table summed), rows that restate the
    # shipped ones or name labels the model never gives: nothing the calibration did not see.
    assert check_file_with_warnings(shipped_with(tmp_path, {"threshold": 0.6}))[2] == []
    assert check_file_with_warnings(shipped_with(tmp_path, {"judge": "label"}))[2] == []
    for rows in ({"dog": "bass", "Tambourine-Shaker": "Snare", "woodblock_rim": "Snare"}, {"kick_drum": "Bass"}):
        data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
        data["nodes"][[n["id"] for n in data["nodes"]].index("gate")]["params"]["table"] = rows
        data["nodes"][[n["id"] for n in data["nodes"]].index("map")]["params"] = {"table": rows}
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        assert [w.message for w in check_file_with_warnings(path)[2] if "calibrated" in w.message] == [], rows


def test_a_model_file_that_carries_its_calibration_table_is_judged_by_it(tmp_path: Path) -> None:
    # `train_sounds ship` writes the rows the threshold was calibrated with beside it: a later shipped table does not
    # change what the check compares with.
    from exsampling_patch.models.train_sounds import calibration_table

    blob = torch.load(str(SHIPPED), map_location="cpu", weights_only=True)
    calibrated = calibration_table(blob["labels"])  # what `ship` writes: the shipped model's is the shipped table's
    assert len(calibrated) == len(blob["labels"]) and calibrated["tambourine_shaker"] == "Snare"
    blob["meta"]["gate_table"] = {**calibrated, **HATS}
    torch.save(blob, tmp_path / "hats.pt")
    assert check_file_with_warnings(shipped_with(tmp_path, {}, model="hats.pt"))[2] == []
    shipped_rows = shipped_with(tmp_path, {"table": {}}, model="hats.pt")  # (and unlike its map's: warned of too)
    (warning,) = [w for w in check_file_with_warnings(shipped_rows)[2] if "calibrated" in w.message]
    assert warning.message.startswith("node 'gate': its threshold, 0.47, is the one the model of 'classifier' was "
                                      "calibrated with "
                                      f"({CALIBRATED}, slots summed by the table in the model file), but its "
                                      "table sends 2 of the model's labels elsewhere: tambourine_shaker: Snare here, "
                                      "HH when calibrated;")


def test_classify_patch_says_so_too(tmp_path: Path) -> None:
    take = hat(tmp_path)
    done = exsampling_here("classify", "--patch", str(shipped_with(tmp_path, {})), str(take))
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    assert notes == [f"note: {tmp_path / 'show.yaml'}:{line_of(tmp_path / 'show.yaml', 'threshold:')}: node 'gate': "
                     "its threshold, 0.47, is the one the model of 'classifier' was calibrated with "
                     f"({CALIBRATED}, slots "
                     "summed by the table in the model file), but its table sends 2 of the model's labels elsewhere: "
                     "tambourine_shaker: HH here, Snare when calibrated; woodblock_rim: HH here, Snare when calibrated "
                     "(the slots it sums are not the calibrated ones, so how many takes pass, and how many of those "
                     "land right, are not the model card's: try takes of the piece with `.venv/bin/exsampling "
                     "classify --patch` and set the threshold that suits them (one other than 0.47 is taken as "
                     "yours))"]
    assert done.stdout.startswith(f"{take}: ")
    assert "note: " not in exsampling_here("classify", "--patch", str(REPO / "patches" / "exsampling.yaml"),
                                           str(take)).stderr
