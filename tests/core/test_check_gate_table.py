"""`exsampling check` warns, at the gate's line, of a confidence gate judging slots by another table than the slot
map it feeds: the default patch with the map's table edited (a shaker and a rim on HH) rejected takes the map would
have given HH 80%, and check said "ok"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from exsampling_patch.validate import check_file_with_warnings
from tests.core.test_check_gate_calibration import CALIBRATED

REPO = Path(__file__).resolve().parents[2]
HATS = {"tambourine_shaker": "HH", "woodblock_rim": "HH"}


def shipped_with(tmp_path: Path, gate: dict[str, Any], slot_map: dict[str, Any]) -> Path:
    """The default patch with these parameters added to its gate's and its map's."""
    data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    for node in data["nodes"]:
        node.setdefault("params", {}).update({"gate": gate, "map": slot_map}.get(node["id"], {}))
    path = tmp_path / "show.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def told(path: Path) -> list[str]:
    """The warnings of check, each up to its first colon after the node's name: what it is about."""
    return [w.message.split(": ")[1] for w in check_file_with_warnings(path)[2]]


#: A gate judging slots with the shipped model's calibrated threshold by rows other than the shipped ones is warned of
#: on its own (tests/core/test_check_gate_calibration.py): not what these tests are about, but said.
CALIBRATION = ("its threshold, 0.47, is the one the model of 'classifier' was calibrated with "
               f"({CALIBRATED}, slots summed by "
               "the table in the model file), but its table sends 2 of the model's labels elsewhere")


def gate_line(path: Path) -> int:
    return path.read_text(encoding="utf-8").splitlines().index("- id: gate") + 1


def test_a_gate_judging_slots_by_other_rows_than_its_maps_is_warned_of_at_its_line(tmp_path: Path) -> None:
    path = shipped_with(tmp_path, {}, {"table": HATS})
    problems, _, warnings = check_file_with_warnings(path)
    assert problems == []
    assert [(w.line, w.message, w.hint) for w in warnings] == [(
        gate_line(path),
        "node 'gate': it judges slots by a table that differs from the one 'map' chooses by, in 2 rows: "
        "tambourine_shaker: HH in 'map', Snare here; woodblock_rim: HH in 'map', Snare here",
        "give the gate the same rows as 'map' in its table, tambourine_shaker: HH, ...: its threshold then judges the "
        "slots the map picks")]

    # The same rows, spelt as the map reads them, agree; a gate judging the best label alone sums by no table.
    same = {"Tambourine Shaker": "HH", "woodblock-rim": "HH"}
    assert told(shipped_with(tmp_path, {"table": same}, {"table": HATS})) == [CALIBRATION]
    assert check_file_with_warnings(shipped_with(tmp_path, {"judge": "label"}, {"table": HATS}))[2] == []


def test_a_map_starting_from_an_empty_table_asks_the_gate_for_its_base_too(tmp_path: Path) -> None:
    path = shipped_with(tmp_path, {}, {"base_table": "empty", "table": {"dog": "Bass", "rain": "Wind"}})
    (warning,) = check_file_with_warnings(path)[2]
    assert warning.line == gate_line(path)
    assert "differs from the one 'map' chooses by, in " in warning.message and "; and " in warning.message
    assert warning.hint == "give the gate the same base_table (empty) and table rows as 'map': its threshold then " \
        "judges the slots the map picks"
    agreeing = {"base_table": "empty", "table": {"dog": "Bass", "rain": "Wind"}}
    assert [about.split(",")[0] for about in told(shipped_with(tmp_path, agreeing, agreeing))] == [
        "its threshold"]  # the calibration's, with other rows: said on its own


@pytest.mark.parametrize("path", sorted((REPO / "patches").glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_patches_gates_agree_with_their_maps(path: Path) -> None:
    assert check_file_with_warnings(path) == ([], [], [])


def test_a_gate_and_map_naming_a_samplers_own_slots_in_other_cases_agree(tmp_path: Path) -> None:
    # The sampler finds a slot whatever its case: "dog: kick" in the gate and "dog: Kick" in the map are one slot, but
    # check warned that the two tables differed, and told the composer to change rows that already agreed.
    path = tmp_path / "own.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n- id: gate\n  type: confidence_gate\n"
                    "  params:\n    judge: slot\n    base_table: empty\n    table: {dog: kick, cat: Vox}\n"
                    "- id: map\n  type: slot_map\n  params:\n    base_table: empty\n    table: {dog: Kick, cat: vox}\n"
                    "- id: smp\n  type: sampler\n  params: {device: none, virtual_port: '', slots: 2, "
                    "slot_names: [Kick, Vox]}\nlinks:\n- clf.prediction -> gate.prediction\n"
                    "- gate.passed -> map.prediction\n- map.slot -> smp.assign\n", encoding="utf-8")
    assert check_file_with_warnings(path) == ([], [], [])
    path.write_text(path.read_text(encoding="utf-8").replace("cat: Vox}", "cat: Kick}"), encoding="utf-8")
    assert told(path) == ["it judges slots by a table that differs from the one 'map' chooses by, in 1 row"]
