"""`exsampling check` warns of two rows of a slot table for one label spelt differently: the later row wins."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.validate import check_file_with_warnings


def patch_with(folder: Path, node: str, rows: str) -> Path:
    path = folder / "patch.yaml"
    path.write_text(f"exsampling_patch: 1\nnodes:\n- id: t\n  type: {node}\n  params:\n{rows}links: []\n",
                    encoding="utf-8")
    return path


def test_the_later_of_two_rows_for_one_label_is_warned_of_at_its_line(tmp_path: Path) -> None:
    # Before, check said "ok", and a kick went to Snare: 'kick: Bass' above it changed nothing.
    path = patch_with(tmp_path, "slot_map", "    table:\n      kick: Bass\n      dog: Piano\n      KICK: Snare\n")
    problems, _, warnings = check_file_with_warnings(path)
    assert problems == []
    assert [(w.line, w.message, w.hint) for w in warnings] == [(
        9, "node 't': table rows 'kick' and 'KICK' are one label (case, spaces, '-' and '_' do not matter): the "
           "later, 'KICK: Snare', wins, and 'kick: Bass' changes nothing",
        "keep the row of the slot meant and remove the other")]


def test_rows_spelt_three_ways_are_told_once_and_rows_of_one_slot_not_at_all(tmp_path: Path) -> None:
    rows = "    table:\n      hi-hat: HH\n      Hi Hat: Snare\n      kick: Bass\n      KICK: bass\n      hi_hat: TT\n"
    (warning,) = check_file_with_warnings(patch_with(tmp_path, "slot_map", rows))[2]
    assert warning.line == 11
    assert warning.message == ("node 't': table rows 'hi-hat', 'Hi Hat' and 'hi_hat' are one label (case, spaces, '-' "
                               "and '_' do not matter): the later, 'hi_hat: TT', wins, and 'hi-hat: HH', "
                               "'Hi Hat: Snare' change nothing")


def test_a_gate_judging_slots_is_warned_of_and_one_judging_labels_not(tmp_path: Path) -> None:
    rows = "    table:\n      kick: Bass\n      KICK: Snare\n"
    (warning,) = check_file_with_warnings(patch_with(tmp_path, "confidence_gate", "    judge: slot\n" + rows))[2]
    assert warning.line == 9 and warning.message.startswith("node 't': table rows 'kick' and 'KICK' are one label")
    assert check_file_with_warnings(patch_with(tmp_path, "confidence_gate", rows))[2] == []  # it reads no table
