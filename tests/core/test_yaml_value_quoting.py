"""A value YAML reads other than as the text it is, told at the value with the quotes that make it right: one that
holds ': ' (``prefix: rock' : b``), one whose opening quote closes before it ends (``prefix: 'rock' n roll``), or
one that begins with a sign YAML reads as its own (``prefix: *loud*``). The parser stops inside the value, on a line
indented as it should be, and the hint named the indentation: "check the indentation: this line has 4 spaces, the
line above 2 spaces", or "check the indentation and quoting on this line"."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from exsampling_patch.cli import main
from exsampling_patch.errors import Problem
from exsampling_patch.patchfile import loads_patch

NODE = "exsampling_patch: 1\nnodes:\n- id: log\n  type: log\n  params:\n    prefix: {0}\nlinks: []\n"

#: A value as written on line 6 of NODE, the column told (the colon in it, else its opening quote), the reason told
#: and the line as the hint writes it.
COLON = "YAML reads the ': ' in this value as a key's colon"
EARLY = "the quote that opens this value closes before the value ends"
VALUES = {
    "an apostrophe and a colon": ("rock' : b", 19, COLON, "prefix: \"rock' : b\""),
    "a colon": ("rock : b", 18, COLON, "prefix: 'rock : b'"),
    "a colon, a comment after": ("it's: b  # mind the colon", 17, COLON, "prefix: \"it's: b\""),
    "quotes of both kinds and a backslash": ("a\\\\b \"q\" it's: x", 26, COLON,
                                             'prefix: "a\\\\\\\\b \\"q\\" it\'s: x"'),
    "a quote closed before the end": ("'rock' n roll", 13, EARLY, "prefix: \"'rock' n roll\""),
    "a double quote closed before the end": ('"say" it', 13, EARLY, "prefix: '\"say\" it'"),
    # a sign YAML reads as its own at the start of the value: "check the indentation (and quoting) on this line"
    "an asterisk": ("*loud*", 13, "YAML reads a value that begins with '*' as a reference to an anchor (&name) "
                    "elsewhere in the file", "prefix: '*loud*'"),
    "an exclamation mark": ("!important", 13, "YAML reads a value that begins with '!' as a tag",
                            "prefix: '!important'"),
    "an at sign": ("@home", 13, "YAML reads a value that begins with '@' as a sign it reserves", "prefix: '@home'"),
    "a percent sign": ("%take", 13, "YAML reads a value that begins with '%' as a directive", "prefix: '%take'"),
    "a bar": ("| x", 13, "YAML reads a value that begins with '|' as the start of a text on the lines below",
              "prefix: '| x'"),
    "a dash": ("- x", 13, "YAML reads a value that begins with '-' as a list's item", "prefix: '- x'"),
}


def _only_problem(text: str) -> Problem:
    problems = loads_patch(text, "p.yaml").problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


@pytest.mark.parametrize(("value", "column", "why", "fixed"), VALUES.values(), ids=VALUES.keys())
def test_a_value_that_needs_quotes_is_told_at_the_value_with_them(value: str, column: int, why: str,
                                                                  fixed: str) -> None:
    problem = _only_problem(NODE.format(value))
    assert problem.message.startswith("YAML syntax error: "), str(problem)
    assert (problem.line, problem.column, problem.hint) == (6, column, f"{why}: put the whole value in quotes: {fixed}")
    # the line as the hint writes it is the patch that was meant: it loads, and its value is the text written
    meant = NODE.replace(f"prefix: {value}", fixed)
    assert loads_patch(meant, "p.yaml").problems == []
    assert yaml.safe_load(fixed)["prefix"] == value.partition("  #")[0]


@pytest.mark.parametrize(("text", "line", "column", "key"), [
    ("exsampling_patch: 1\nnodes:\n- id: log\n  type: log\n  params: prefix: a\nlinks: []\n", 5, 11, "prefix"),
    ("exsampling_patch: 1\nnodes:\n- id: log  type: log\nlinks: []\n", 3, 12, "type"),
])
def test_a_second_key_on_a_line_is_told_so_not_to_be_quoted(text: str, line: int, column: int, key: str) -> None:
    # Quoting would make 'prefix: a' the text of params: the slip is two keys on one line.
    problem = _only_problem(text)
    assert (problem.line, problem.column, problem.hint) == (line, column,
                                                            f"one key a line: put '{key}:' on a line of its own")


def test_a_list_written_on_its_keys_line_is_not_told_to_be_quoted() -> None:
    problem = _only_problem("exsampling_patch: 1\nnodes: - id: a\nlinks: []\n")
    assert "quotes" not in problem.hint, str(problem)


def test_a_second_document_is_told_as_such() -> None:
    problem = _only_problem("exsampling_patch: 1\nnodes: []\nlinks: []\n---\nexsampling_patch: 1\n")
    assert (problem.line, problem.hint) == (4, "a line '---' begins a second document here, and a patch file is one: "
                                               "delete the '---' line, and what follows it if that is another patch")


def test_a_line_indented_to_no_level_is_still_told_its_indentation() -> None:
    problem = _only_problem("exsampling_patch: 1\nnodes:\n- id: log\n  type: log\n  params:\n    prefix: a\n"
                            "   level: b\nlinks: []\n")
    assert (problem.line, problem.hint) == (7, "check the indentation: this line has 3 spaces, the line above 4 "
                                               "spaces")


def test_check_tells_the_apostrophe_and_colon_at_the_patchs_line(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "show.yaml"
    patch.write_text(NODE.format("rock' : b"), encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    assert capsys.readouterr().out == (
        f"{patch}:6:19: YAML syntax error: mapping values are not allowed in this context (YAML reads the ': ' in "
        "this value as a key's colon: put the whole value in quotes: prefix: \"rock' : b\")\n")
