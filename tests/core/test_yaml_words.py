"""What YAML reads as no text (``on`` and ``yes`` as true, ``~`` as nothing, ``1.5`` as a number), named in a
patch's words where a key or an end of a link is told: it said "unknown node key 'True'", "got True", "'None' is not
of the form node_id.port", Python's words for what the file does not show. A null key (``~:``) is told at its own
line: it was told at the line of the mapping that holds it (the file's first line at the top)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.patchfile import loads_patch
from exsampling_patch.validate import check_file

BOOL_HINT = "YAML reads yes, no, on, off, true and false unquoted as true or false: put the text in quotes"
LOG = "- id: a\n  type: log\n"


@pytest.mark.parametrize(("text", "line", "message", "hint"), [
    (f"exsampling_patch: 1\non: 1\nnodes:\n{LOG}links: []\n", 2, "unknown top-level key true", BOOL_HINT),
    (f"exsampling_patch: 1\nnodes:\n{LOG}  yes: 1\nlinks: []\n", 5, "unknown node key true", BOOL_HINT),
    (f"exsampling_patch: 1\nnodes:\n{LOG}  ~: 1\nlinks: []\n", 5, "unknown node key null",
     "a node has id, type, position, params"),
    (f"exsampling_patch: 1\n~: x\nnodes:\n{LOG}links: []\n", 2, "unknown top-level key null",
     "known keys: exsampling_patch, name, description, node_dirs, nodes, links"),
    (f"exsampling_patch: 1\n3: 1\nnodes:\n{LOG}links: []\n", 2, "unknown top-level key '3'",
     "known keys: exsampling_patch, name, description, node_dirs, nodes, links"),
    (f"exsampling_patch: yes\nnodes:\n{LOG}links: []\n", 1, "'exsampling_patch' must be a positive whole number, got "
     "true", "write 'exsampling_patch: 1', the format this build reads"),
    (f"exsampling_patch: [1]\nnodes:\n{LOG}links: []\n", 1, "'exsampling_patch' must be a positive whole number, got "
     "the list [1]", "write 'exsampling_patch: 1', the format this build reads"),
    (f"exsampling_patch: 1\nnodes:\n{LOG}links:\n- {{from: ~, to: a.message}}\n", 6,
     "bad link: 'from' must be 'node.port', got nothing", ""),
    (f"exsampling_patch: 1\nnodes:\n{LOG}links:\n- {{from: a.out, to: yes}}\n", 6,
     "bad link: 'to' must be 'node.port', got true", BOOL_HINT),
])
def test_what_yaml_reads_as_no_text_is_named_in_yamls_words(text: str, line: int, message: str, hint: str) -> None:
    problems = loads_patch(text, "p.yaml").problems
    assert [(p.line, p.message, p.hint) for p in problems] == [(line, message, hint)]


def test_a_parameter_with_no_value_names_its_default_as_yaml_writes_it(tmp_path: Path) -> None:
    # Before: "leave it out for its default, False", Python's spelling of what a patch writes false.
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n  params:\n    folder: in\n"
                     "    include_existing:\nlinks: []\n", encoding="utf-8")
    assert [(p.line, p.message) for p in check_file(patch)] == [
        (7, "node 'inbox': parameter 'include_existing' has no value: give it one, or leave it out for its default, "
            "false")]


@pytest.mark.parametrize("written", ["{to: a.message}", "{from: a.message}"])
def test_a_link_mapping_with_one_end_is_not_told_to_be_an_arrow_of_its_key(written: str) -> None:
    # Before: "a colon makes it a mapping, not a link: did you mean 'to -> a.message'?", the key taken for a node.
    [problem] = loads_patch(f"exsampling_patch: 1\nnodes:\n{LOG}links:\n- {written}\n", "p.yaml").problems
    assert (problem.line, problem.message, problem.hint) == (
        6, "a link must be 'node.output -> node.input'", "or '{from: node.output, to: node.input}'")


@pytest.mark.parametrize(("keys", "message"), [
    ("  ~: 1\n  null: 2\n", "key null appears twice (first on line 5)"),
    ("  on: 1\n  yes: 2\n", "key true appears twice (first on line 5)"),
    ("  3: 1\n  3: 2\n", "key '3' appears twice (first on line 5)"),
])
def test_a_key_that_appears_twice_is_named_in_yamls_words(keys: str, message: str) -> None:
    # Before: "key 'None' appears twice", "key 'True' appears twice", Python's words for `~:` and `on:`.
    problems = loads_patch(f"exsampling_patch: 1\nnodes:\n{LOG}{keys}links: []\n", "p.yaml").problems
    assert [(p.line, p.message) for p in problems if "twice" in p.message] == [(6, message)]
