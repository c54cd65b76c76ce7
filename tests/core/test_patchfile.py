"""YAML load/save: round trip, located problems, safe loading."""

from __future__ import annotations

import copy
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import yaml

from exsampling_patch import patchfile
from exsampling_patch.patch import Link, NodeSpec, Patch, PortRef
from exsampling_patch.patchfile import MAX_DEPTH, dumps_patch, loads_patch, read_patch, save_patch

REPO = Path(__file__).resolve().parents[2]


def sample_patch() -> Patch:
    patch = Patch(name="Round trip: ü & 'quotes'", description="a: colon, # hash")
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": "in dir/x", "poll_interval": 0.25}, (10, 20.5)))
    patch.add_node(NodeSpec("map", "slot_map", {"table": {"dog": "Bass", "rain": "HH"}, "slots": ["A", "B"]}))
    patch.add_node(NodeSpec("log", "log", {}, (-3.75, 1e3)))
    patch.connect("inbox.take", "map.take")
    patch.connect("map.slot", "log.message")
    return patch


def test_save_load_save_is_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    save_patch(sample_patch(), path)
    first = path.read_bytes()
    parsed = read_patch(path)
    assert parsed.problems == []
    save_patch(parsed.patch, path)
    assert path.read_bytes() == first


def test_loaded_patch_equals_saved_one() -> None:
    parsed = loads_patch(dumps_patch(sample_patch()))
    assert parsed.problems == []
    assert parsed.patch.nodes == sample_patch().nodes
    assert parsed.patch.links == [Link(PortRef("inbox", "take"), PortRef("map", "take")),
                                  Link(PortRef("map", "slot"), PortRef("log", "message"))]
    assert parsed.patch.name == sample_patch().name


@pytest.mark.parametrize("path", sorted((REPO / "patches").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_patches_round_trip(path: Path) -> None:
    parsed = read_patch(path)
    assert parsed.problems == []
    assert dumps_patch(parsed.patch) == path.read_text(encoding="utf-8")


def test_lines_are_recorded() -> None:
    text = dumps_patch(sample_patch())
    parsed = loads_patch(text, "x.yaml")
    lines = text.splitlines()
    line = parsed.source_map.node_line("map", "params", "table")
    assert line is not None and lines[line - 1].strip() == "table:"
    assert lines[parsed.source_map.node_line("log") - 1].strip() == "- id: log"  # type: ignore[operator]


def test_unsafe_yaml_is_refused() -> None:
    parsed = loads_patch("exsampling_patch: 1\nnodes: !!python/object/apply:os.system ['echo hi']\n", "evil.yaml")
    assert parsed.problems
    assert parsed.problems[0].line == 2
    assert "evil.yaml" in str(parsed.problems[0])


def test_alias_bomb_is_refused_at_its_line() -> None:
    # Nine levels of ten aliases each: a few lines that the editor's JSON or a copy would expand to 10**9 items.
    levels = ["    l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"    l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = "exsampling_patch: 1\nnodes:\n- id: m\n  type: slot_map\n  params:\n   table:\n" + "\n".join(levels)
    parsed = loads_patch(text + "\nlinks: []\n", "bomb.yaml")
    assert [(p.line, p.message) for p in parsed.problems] == [(13, "the patch has more than 2,000,000 elements")]
    assert not parsed.patch.nodes


def test_nesting_within_the_limit_loads_copies_and_saves() -> None:
    # The limit leaves the recursive code after the loader (copy, the YAML writer, JSON for the editor) room.
    depth = MAX_DEPTH - 5  # the document, 'nodes', the node, 'params' and the parameter's mapping hold it
    text = "exsampling_patch: 1\nnodes:\n- id: m\n  type: slot_map\n  params:\n    table: {x: " + "[" * depth
    parsed = loads_patch(text + "]" * depth + "}\nlinks: []\n", "deep.yaml")
    assert not parsed.problems
    json.dumps(copy.deepcopy(parsed.patch.nodes["m"].params))
    assert loads_patch(dumps_patch(parsed.patch)).patch == parsed.patch
    parsed = loads_patch(text + "[]" + "]" * depth + "}\nlinks: []\n", "deep.yaml")
    assert [(p.line, p.column, p.message) for p in parsed.problems] == [
        (6, 16 + depth, f"lists and mappings nest more than {MAX_DEPTH} deep here")]


def test_oversized_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("exsampling_patch: 1\n" + "# padding\n" * 300, encoding="utf-8")
    monkeypatch.setattr(patchfile, "MAX_BYTES", 1024)
    parsed = read_patch(path)
    assert [p.message for p in parsed.problems] == ["the patch file is 0 MB, more than the 0 MB a patch may be"]


def test_missing_version_is_reported() -> None:
    parsed = loads_patch("nodes: []\nlinks: []\n", "p.yaml")
    assert any("missing 'exsampling_patch" in p.message for p in parsed.problems)


@pytest.mark.parametrize(("written", "hint"), [
    ("1.0", "write 1, without the decimal point: 'exsampling_patch: 1'"),
    ("'1'", "a number in quotes is text: write it without the quotes, 'exsampling_patch: 1'"),
    ("0", "write 'exsampling_patch: 1', the format this build reads"),
    ("1.5", "write 'exsampling_patch: 1', the format this build reads"),
])
def test_a_format_version_that_is_no_whole_number_is_told_what_to_write(written: str, hint: str) -> None:
    # Before: "'exsampling_patch' must be a positive whole number, got 1.0", and no word of what to write.
    [problem] = loads_patch(f"exsampling_patch: {written}\nnodes:\n- id: log\n  type: log\n", "p.yaml").problems
    assert (problem.line, problem.hint) == (1, hint)


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    parsed = read_patch(tmp_path / "nope.yaml")
    assert "cannot read" in parsed.problems[0].message


def test_a_patch_that_cannot_be_read_is_told_in_words_with_the_file_meant(tmp_path: Path) -> None:
    # Before: "patchs/show.yaml: cannot read the patch: [Errno 2] No such file or directory: 'patchs/show.yaml'".
    (tmp_path / "patches").mkdir()
    (tmp_path / "patches" / "show.yaml").write_text("exsampling_patch: 1\nnodes: []\n", encoding="utf-8")
    (tmp_path / "take.yaml").write_bytes(b"\xff\xfeRIFF")
    told = {name: [str(p) for p in read_patch(tmp_path / name).problems]
            for name in ("patchs/show.yaml", "patches/shwo.yaml", "nope.yaml", "patches", "take.yaml")}
    assert told == {
        "patchs/show.yaml": [f"{tmp_path}/patchs/show.yaml: cannot read the patch: no such file or directory "
                             f"(did you mean '{tmp_path}/patches/show.yaml'?)"],
        "patches/shwo.yaml": [f"{tmp_path}/patches/shwo.yaml: cannot read the patch: no such file or directory "
                              f"(did you mean '{tmp_path}/patches/show.yaml'?)"],
        "nope.yaml": [f"{tmp_path}/nope.yaml: cannot read the patch: no such file or directory"],
        "patches": [f"{tmp_path}/patches: cannot read the patch: a folder, not a patch file (its patches: "
                    "show.yaml)"],
        "take.yaml": [f"{tmp_path}/take.yaml: cannot read the patch: a text file in UTF-16, not UTF-8 (a patch is a "
                      "YAML text file, saved as UTF-8)"],
    }


@pytest.mark.parametrize("data", [b"RIFF\x24\xac\x00\x00WAVEfmt \x10\x00", b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00"],
                         ids=["not-utf-8", "utf-8"])
def test_a_recording_given_as_the_patch_is_told_as_a_binary_file(tmp_path: Path, data: bytes) -> None:
    # Before: "take.wav:1:6: ... invalid start byte 0xac (a patch is a YAML text file, saved as UTF-8)", or, where
    # the header's bytes all decode, a two-line "YAML error: unacceptable character #x0000 ... position 5".
    path = tmp_path / "take.wav"
    path.write_bytes(data + bytes(64))
    assert [str(p) for p in read_patch(path).problems] == [
        f"{path}: cannot read the patch: a binary file (a recording, a model?), not a YAML text file (name the patch "
        "file, a .yaml)"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("name", ["show", "caf\u00e9"], ids=["ascii", "accented"])
def test_utf_16_without_a_byte_order_mark_is_told_as_utf_16(tmp_path: Path, encoding: str, name: str) -> None:
    # Before: "a binary file (a recording, a model?)": every other byte is NUL, as in a recording's silence.
    path = tmp_path / "show.yaml"
    path.write_bytes(f"exsampling_patch: 1\nname: {name}\nnodes:\n- id: log\n  type: log\n".encode(encoding))
    assert [str(p) for p in read_patch(path).problems] == [
        f"{path}: cannot read the patch: a text file saved as UTF-16 (with no byte-order mark), not UTF-8 (save it as "
        "UTF-8)"]


def test_a_quiet_recording_is_still_a_binary_file(tmp_path: Path) -> None:
    # Small 16-bit samples: the high byte is NUL or 0xff, the low byte anything; not UTF-16's NUL in every other byte.
    samples = np.random.default_rng(1).integers(-40, 40, 2048).astype("<i2").tobytes()
    path = tmp_path / "take.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00" + samples)
    assert [p.message for p in read_patch(path).problems] == [
        "cannot read the patch: a binary file (a recording, a model?), not a YAML text file"]


def test_a_show_log_given_as_the_patch_says_so(tmp_path: Path) -> None:
    # Before: "show.jsonl:2:1: YAML syntax error: did not find expected <document start> (check the indentation ...)".
    path = tmp_path / "20261205-203000.jsonl"
    path.write_text('{"event": "show", "version": 1, "t": 0.0, "nodes": {}}\n{"event": "take", "t": 1.5}\n',
                    encoding="utf-8")
    assert [str(p) for p in read_patch(path).problems] == [
        f"{path}: a show log that 'exsampling run' wrote, not a patch (replay it: .venv/bin/exsampling replay {path} "
        "--out show.wav)"]


def test_a_control_character_is_told_at_its_line_and_column(tmp_path: Path) -> None:
    # Before: "show.yaml:1: YAML error: unacceptable character #x001b: special characters are not allowed\n  in
    # "<unicode string>", position 27", on two lines and at line 1.
    path = tmp_path / "show.yaml"
    path.write_text("exsampling_patch: 1\nname: a\x1b[Ab\nnodes: []\n", encoding="utf-8")
    assert [str(p) for p in read_patch(path).problems] == [
        f"{path}:2:8: a control character YAML does not allow, U+001B (remove it: a stray key pasted from a "
        "terminal?)"]


def test_a_patch_saved_in_latin_1_is_told_with_the_line_and_column_of_its_first_odd_byte(tmp_path: Path) -> None:
    # Before: "cannot read the patch: not a text file (UTF-8): invalid continuation byte at byte 31", no line.
    path = tmp_path / "show.yaml"
    path.write_bytes("exsampling_patch: 1\nname: 'd\u00e9j\u00e0'\ndescription: caf\u00e9\nnodes: []\n"
                     .encode("utf-8").replace("\u00e0".encode(), b"\xe0"))
    assert [str(p) for p in read_patch(path).problems] == [
        f"{path}:2:11: cannot read the patch: not a text file (UTF-8): invalid continuation byte 0xe0 (a patch is a "
        "YAML text file, saved as UTF-8)"]


def test_save_over_a_symlinked_patch_writes_through_to_its_target(tmp_path: Path) -> None:
    # show.yaml linked to the set kept elsewhere (ln -s ../sets/tonight.yaml show.yaml): the link was replaced by
    # a plain file, and the set itself never saw the save.
    (tmp_path / "sets").mkdir()
    (tmp_path / "show").mkdir()
    target = tmp_path / "sets" / "tonight.yaml"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "show" / "show.yaml"
    link.symlink_to(Path("..") / "sets" / "tonight.yaml")
    save_patch(sample_patch(), link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "sets", "tonight.yaml")
    assert target.read_text(encoding="utf-8") == dumps_patch(sample_patch())
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["sets", "show", "show.yaml", "tonight.yaml"]
    # A link to a file not there yet (a set still to make): the file is made where it points, as a write does.
    target.unlink()
    save_patch(sample_patch(), link)
    assert link.is_symlink() and target.read_text(encoding="utf-8") == dumps_patch(sample_patch())


def test_save_is_atomic_on_error(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("original", encoding="utf-8")
    patch = sample_patch()
    patch.nodes["inbox"].params["bad"] = object()  # not representable in safe YAML
    with pytest.raises(yaml.representer.RepresenterError):
        save_patch(patch, path)
    assert path.read_text(encoding="utf-8") == "original"
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(("text", "line", "hint"), [
    ("  type:trim\n  params: {}\n", 4, "a key is followed by a colon and a space: write 'type: trim'"),
    ("  type: trim\n  params: top_db:50 x-y:3\n", 5,
     "a key is followed by a colon and a space: write 'top_db: 50', 'x-y: 3'"),
    ("  type: trim\n  params: top_db:50 http://x\n", 5,
     "write each parameter as 'name: value' on a line of its own, indented under 'params:'"),
])
def test_a_key_without_a_space_after_its_colon_is_hinted_at_the_line_and_in_params(
        text: str, line: int, hint: str) -> None:
    # One pattern (yaml_syntax.SQUEEZED_PAIR) for a YAML syntax error's line and for each word of 'params'.
    [problem] = loads_patch("exsampling_patch: 1\nnodes:\n- id: a\n" + text).problems
    assert (problem.line, problem.hint) == (line, hint)


@pytest.mark.parametrize(("link", "arrow"), [
    ("a.outlet \u27f6 b.inlet", "\u27f6"), ("a.outlet \u21d2 b.inlet", "\u21d2"),
    ("a.outlet ==\u21d2 b.inlet", "==\u21d2"), ("b.inlet \u27f5 a.outlet", "\u27f5"),
    ("b.inlet \u21d0 a.outlet", "\u21d0"),
    ("a.outlet \u2192 b.inlet", "\u2192"), ("a.outlet => b.inlet", "=>"), ("a.outlet --> b.inlet", "-->"),
])
def test_a_link_written_with_another_arrow_is_told_the_link_meant(link: str, arrow: str) -> None:
    # The long and the double arrow ('\u27f6', '\u21d2', pasted from a math font) got only "or '{from: ...}'".
    text = f"exsampling_patch: 1\nnodes:\n- id: a\n  type: relay\n- id: b\n  type: relay\nlinks:\n- {link}\n"
    [problem] = loads_patch(text).problems
    assert (problem.line, problem.hint) == (
        8, f"'{arrow}' is not the link arrow, '->': did you mean 'a.outlet -> b.inlet'?"), problem


@pytest.mark.parametrize(("text", "told"), [("", "the patch file is empty"), ("\n  \n", "the patch file is empty"),
                                            ("# my show\n", "the patch file holds only comments")])
def test_an_empty_patch_file_is_told_as_empty(tmp_path: Path, text: str, told: str) -> None:
    # A save cut short (a full disk, a crash) leaves an empty file: "must be a YAML mapping with 'nodes' and
    # 'links'" sent the performer looking for a YAML mistake in a file with nothing in it.
    path = tmp_path / "show.yaml"
    path.write_text(text, encoding="utf-8")
    (problem,) = read_patch(path).problems
    assert problem.message == told
    assert problem.hint == ("start it with 'exsampling_patch: 1', then its nodes and links: docs/patch-format.md "
                            "shows how")
