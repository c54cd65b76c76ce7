"""`exsampling check` warns of a classifier's own model whose labels its slot map has no slot for."""

from __future__ import annotations

from pathlib import Path

import torch

from exsampling_patch.models.features import CLASSIFIED_SECONDS
from exsampling_patch.validate import check_file_with_warnings

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "sounds.pt"
#: The record of a model trained on the span the node scores: these files are about labels, not spans (a file
#: without it was trained on 5 s, and check says so: tests/core/test_check_span.py).
TRAINED_NOW = {"meta": {"span_seconds": CLASSIFIED_SECONDS}}


def model_with_labels_of_its_own(path: Path) -> Path:
    """The shipped model with two labels renamed, as a model of `exsampling train` names a composer's own."""
    blob = torch.load(str(SHIPPED), map_location="cpu", weights_only=True)
    blob["labels"] = [{"church_bells": "glass ping", "dog": "Clank"}.get(label, label) for label in blob["labels"]]
    torch.save(blob, path)
    return path


def chain(folder: Path, map_params: str) -> Path:
    path = folder / "patch.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: mine.pt\n"
                    "- id: gate\n  type: confidence_gate\n"
                    f"- id: map\n  type: slot_map\n{map_params}"
                    "links:\n- clf.prediction -> gate.prediction\n- gate.passed -> map.prediction\n"
                    "- gate.rejected -> map.rejected\n", encoding="utf-8")
    return path


def test_a_models_labels_without_a_slot_are_warned_of_at_its_line(tmp_path: Path) -> None:
    # Before, check said "ok", and each take heard as "glass ping" went to the map's 'unmapped' output, in no slot.
    model_with_labels_of_its_own(tmp_path / "mine.pt")
    problems, _, warnings = check_file_with_warnings(chain(tmp_path, ""))
    assert problems == []
    assert [(w.line, w.message, w.hint) for w in warnings] == [(
        6, "node 'clf': 2 of the 76 labels of its model have no slot in the table of 'map', which has no fallback: "
           "glass ping, Clank",
        "takes heard as them go to its 'unmapped' output, in no slot: give them rows in its table (glass ping: Snare, "
        "...) or set its fallback")]

    rows = "  params:\n    table:\n      clank: Bass\n      Glass-Ping: TT\n"  # as the map compares labels
    assert check_file_with_warnings(chain(tmp_path, rows)) == ([], [], [])
    fallback = "  params:\n    fallback: Chorus\n"
    assert check_file_with_warnings(chain(tmp_path, fallback)) == ([], [], [])
    one_row = "  params:\n    table:\n      glass ping: TT\n"
    (warning,) = check_file_with_warnings(chain(tmp_path, one_row))[2]
    # it said "1 of the 76 labels of its model have no slot ... give them rows in its table (Clank: Snare, ...)"
    assert (warning.message, warning.hint) == (
        "node 'clf': 1 of the 76 labels of its model has no slot in the table of 'map', which has no fallback: Clank",
        "takes heard as it go to its 'unmapped' output, in no slot: give it a row in its table (Clank: Snare) or set "
        "its fallback")


def test_the_label_of_a_model_of_one_label_without_a_slot_is_its_only_one(tmp_path: Path) -> None:
    # Before, "1 of the 1 label of its model has no slot".
    from exsampling_patch.models.features import FRONT_END
    from exsampling_patch.models.model_header import MODEL_FORMAT

    torch.save({"format": MODEL_FORMAT, "version": 1, "labels": ["boom"], "front_end": vars(FRONT_END).copy(),
                **TRAINED_NOW}, tmp_path / "mine.pt")
    problems, _, (warning,) = check_file_with_warnings(chain(tmp_path, "  params:\n    base_table: empty\n"))
    assert problems == []
    assert (warning.message, warning.hint) == (
        "node 'clf': the only label of its model has no slot in the table of 'map', which has no fallback: boom",
        "takes heard as it go to its 'unmapped' output, in no slot: give it a row in its table (boom: Snare) or set "
        "its fallback")



def test_the_row_shown_for_a_label_without_a_slot_names_a_slot_of_the_sampler(tmp_path: Path) -> None:
    # Before, "give them rows in its table (Vox: Snare, ...)" for a sampler of slot_names [Kick, Vox]: check refused
    # that row (no slot Snare), and the label was meant for Vox. The file's header alone is read (labels).
    from exsampling_patch.models.features import FRONT_END
    from exsampling_patch.models.model_header import MODEL_FORMAT

    torch.save({"format": MODEL_FORMAT, "version": 1, "labels": ["Kick", "Vox", "boom"],
                "front_end": vars(FRONT_END).copy(), **TRAINED_NOW}, tmp_path / "own.pt")

    def hint(slot_names: str) -> str:
        path = tmp_path / "own.yaml"
        path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: own.pt\n"
                        "- id: map\n  type: slot_map\n  params:\n    base_table: empty\n    table: {boom: Kick}\n"
                        f"- id: sampler\n  type: sampler\n  params:\n    slot_names: [{slot_names}]\n"
                        "links:\n- clf.prediction -> map.prediction\n- map.slot -> sampler.assign\n", encoding="utf-8")
        problems, _, (warning,) = check_file_with_warnings(path)
        assert problems == [] and warning.message.endswith("which has no fallback: Vox")
        return warning.hint

    assert hint("Kick, Vox") == ("takes heard as it go to its 'unmapped' output, in no slot: give it a row in its "
                                 "table (Vox: Vox) or set its fallback")
    assert "(Vox: Kick)" in hint("Kick, Voice")  # a slot the sampler has
    assert "(Vox: Snare)" in hint("Kick, HH, Snare")


def test_the_row_shown_for_a_label_named_after_a_default_slot_names_it_where_no_sampler_is_fed(tmp_path: Path) -> None:
    # A model trained on folders HH/, Kick/ and ding/, its slot map feeding a log (a patch to try the slot map with
    # classify --patch): "give them rows in its table (HH: Snare, ...)", for takes meant for HH.
    from exsampling_patch.models.features import FRONT_END
    from exsampling_patch.models.model_header import MODEL_FORMAT

    torch.save({"format": MODEL_FORMAT, "version": 1, "labels": ["HH", "Kick", "ding"],
                "front_end": vars(FRONT_END).copy(), **TRAINED_NOW}, tmp_path / "own.pt")
    path = tmp_path / "own.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: own.pt\n"
                    "- id: map\n  type: slot_map\n  params:\n    base_table: empty\n"
                    "    table: {ding: Piano, Kick: BD}\n"
                    "- id: log\n  type: log\nlinks:\n- clf.prediction -> map.prediction\n- map.slot -> log.message\n",
                    encoding="utf-8")
    problems, _, (warning,) = check_file_with_warnings(path)
    assert problems == [] and warning.message.endswith("which has no fallback: HH")
    assert "(HH: HH)" in warning.hint


def test_a_label_yaml_reads_as_true_is_told_to_be_quoted(tmp_path: Path) -> None:
    # A model trained on folders yes/, on/ and 808/: the row `yes: Bass` is the row True to YAML, and was warned of as
    # "table row 'True' is no label" with the model's labels; `yes:` beside `on:` was "key 'True' appears twice ...
    # remove one of them"; and the row shown for the label on, `on: Snare`, was that trap again.
    from exsampling_patch.models.features import FRONT_END
    from exsampling_patch.models.model_header import MODEL_FORMAT

    torch.save({"format": MODEL_FORMAT, "version": 1, "labels": ["808", "on", "yes"],
                "front_end": vars(FRONT_END).copy(), **TRAINED_NOW}, tmp_path / "words.pt")

    def check(rows: str) -> tuple[list[tuple[int | None, str]], list[tuple[int | None, str, str]]]:
        path = tmp_path / "words.yaml"
        path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: words.pt\n"
                        f"- id: map\n  type: slot_map\n  params:\n    table:\n{rows}"
                        "links:\n- clf.prediction -> map.prediction\n", encoding="utf-8")
        problems, _, warnings = check_file_with_warnings(path)
        return [(p.line, p.hint) for p in problems], [(w.line, w.message, w.hint) for w in warnings]

    quote = "YAML reads yes, no, on, off, true and false unquoted as true or false: put the text in quotes"
    problems, warnings = check("      yes: Bass\n      808: BD\n")
    assert problems == []
    assert warnings == [
        (6, "node 'clf': 2 of the 3 labels of its model have no slot in the table of 'map', which has no fallback: "
            "on, yes", "takes heard as them go to its 'unmapped' output, in no slot: give them rows in its table "
            "('on': Snare, ...) or set its fallback"),
        (11, "node 'map': table row yes (to YAML, unquoted, true) is no label of the model of 'clf', so it changes "
             "nothing", quote)]
    assert check("      yes: Bass\n      on: HH\n")[0] == [(12, quote)]
    # A row of digits likewise: it was "table row '1.1'", where the file says 1.10.
    assert check("      1.10: Bass\n      808: BD\n      'on': HH\n      'yes': TT\n")[1] == [
        (11, "node 'map': table row 1.10 (to YAML, unquoted, the number 1.1) is no label of the model of 'clf', so it "
             "changes nothing", "YAML reads digits unquoted as a number, 1.10 as 1.1: put the text in quotes")]
    assert check("      'yes': Bass\n      'on': HH\n      808: BD\n") == ([], [])

def test_a_table_row_that_no_label_of_the_model_meets_is_warned_of_at_its_line(tmp_path: Path) -> None:
    # Before, "dgo: Chorus" passed check with "ok", and the dog still went to Bass: the row changed nothing.
    path = tmp_path / "patch.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n- id: map\n  type: slot_map\n"
                    "  params:\n    table:\n      dgo: Chorus\n      Church Bells: Piano\n      theremin: TT\n"
                    "links:\n- clf.prediction -> map.prediction\n", encoding="utf-8")
    problems, _, warnings = check_file_with_warnings(path)  # the shipped model: no model named
    assert problems == []
    assert [(w.line, w.message) for w in warnings] == [
        (9, "node 'map': table row 'dgo' is no label of the model of 'clf', so it changes nothing: did you mean "
            "'dog'?"),
        (11, "node 'map': table row 'theremin' is no label of the model of 'clf', so it changes nothing")]
    assert warnings[0].hint == "" and warnings[1].hint.startswith("its labels: acoustic_guitar, acoustic_piano, ")
    assert warnings[1].hint.endswith(" and 68 more")

    model_with_labels_of_its_own(tmp_path / "mine.pt")  # its "glass ping" is met; "Church Bells" is not any more
    told = check_file_with_warnings(chain(tmp_path, "  params:\n    table:\n      glass ping: TT\n      Clank: Bass\n"
                                                    "      church_bells: Piano\n"))[2]
    assert [w.message.split(", so")[0] for w in told] == ["node 'map': table row 'church_bells' is no label of the "
                                                          "model of 'clf'"]


def test_a_table_row_with_a_character_that_cannot_be_seen_names_it_at_its_column(tmp_path: Path) -> None:
    # Before, "table row 'dog' is no label ...: did you mean 'dog'?", and nothing said that the two differed.
    path = tmp_path / "patch.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n- id: map\n  type: slot_map\n"
                    "  params:\n    table:\n      \"dog\u200b\": Chorus\n"
                    "links:\n- clf.prediction -> map.prediction\n", encoding="utf-8")
    problems, _, warnings = check_file_with_warnings(path)
    assert problems == []
    assert [(w.line, w.column, w.hint) for w in warnings] == [
        (9, 11, "'dog' ends with a zero width space (U+200B) at column 11, which cannot be seen: copied from a web "
                "page or a document? delete it")]


def test_a_gate_row_that_no_label_of_the_model_meets_is_warned_of_at_its_line(tmp_path: Path) -> None:
    # Before, only the map's rows were checked: "tamborine_shaker: HH" in a gate judging slots passed check, and the
    # gate went on summing the shaker with the Snare, rejecting the hi-hats the map was sure of.
    path = tmp_path / "patch.yaml"
    rows = "    table:\n      tamborine_shaker: HH\n      woodblock_rim: HH\n"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n- id: gate\n  type: confidence_gate\n"
                    f"  params:\n    judge: slot\n{rows}- id: map\n  type: slot_map\n  params:\n"
                    "    table: {tambourine_shaker: HH, woodblock_rim: HH}\n"
                    "links:\n- clf.prediction -> gate.prediction\n- gate.passed -> map.prediction\n", encoding="utf-8")
    problems, _, warnings = check_file_with_warnings(path)
    assert problems == []
    unknown = [(w.line, w.message) for w in warnings if "is no label" in w.message]
    assert unknown == [(10, "node 'gate': table row 'tamborine_shaker' is no label of the model of 'clf', so it "
                            "changes nothing: did you mean 'tambourine_shaker'?")]

    by_label = path.read_text(encoding="utf-8").replace("judge: slot", "judge: label")
    path.write_text(by_label, encoding="utf-8")  # judging the best label alone, the gate reads no table
    assert not [w for w in check_file_with_warnings(path)[2] if "is no label" in w.message]


def test_a_row_named_as_a_slot_in_lower_case_is_met_by_its_label(tmp_path: Path) -> None:
    # A model trained on a folder "HH" has the label HH; its row written "hh: Snare" meets it (the map looks labels up
    # case aside), but the check read the row back as the slot "HH", and warned that 'hh' changed nothing ("did you
    # mean 'HH'?"). So for two spellings of one label's row: the second read back as the first.
    blob = torch.load(str(SHIPPED), map_location="cpu", weights_only=True)
    blob["labels"] = [{"dog": "HH"}.get(label, label) for label in blob["labels"]]
    torch.save(blob, tmp_path / "mine.pt")
    rows = "  params:\n    table:\n      hh: Snare\n      kick: Bass\n      KICK: Bass\n"
    assert [w.message for w in check_file_with_warnings(chain(tmp_path, rows))[2]] == []


def test_labels_without_a_slot_are_not_warned_of_where_a_gates_fallback_slot_takes_them(tmp_path: Path) -> None:
    # Since f6994f9 a take the gate passed whose labels have no slot goes to the gate's fallback_slot, yet check
    # still warned "takes heard as them go to its 'unmapped' output, in no slot".
    from exsampling_patch.models.features import FRONT_END
    from exsampling_patch.models.model_header import MODEL_FORMAT

    torch.save({"format": MODEL_FORMAT, "version": 1, "labels": ["Kick", "Vox", "boom"],
                "front_end": vars(FRONT_END).copy(), **TRAINED_NOW}, tmp_path / "own.pt")

    def warned(gate: str, direct: bool = False) -> list[str]:
        path = tmp_path / "own.yaml"
        path.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: own.pt\n"
                        f"- id: gate\n  type: confidence_gate\n  params: {{{gate}}}\n"
                        "- id: map\n  type: slot_map\n  params:\n    base_table: empty\n    table: {boom: Kick}\n"
                        "- id: sampler\n  type: sampler\n  params:\n    slot_names: [Kick, Vox]\n"
                        "links:\n- clf.prediction -> gate.prediction\n- gate.passed -> map.prediction\n"
                        "- gate.rejected -> map.rejected\n- map.slot -> sampler.assign\n"
                        + ("- clf.prediction -> map.prediction\n" if direct else ""), encoding="utf-8")
        problems, _, warnings = check_file_with_warnings(path)
        assert problems == []
        return [w.message for w in warnings]

    assert warned("fallback_slot: Vox") == []
    no_slot = "node 'clf': 1 of the 3 labels of its model has no slot in the table of 'map', which has no fallback: " \
              "Vox"
    assert warned("threshold: 0.5") == [no_slot]
    # The classifier feeds the map past the gate as well: those predictions still go to no slot.
    assert warned("fallback_slot: Vox", direct=True) == [no_slot]
