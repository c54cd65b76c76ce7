"""A quote left open is told where it opens, not where the parser stopped: the next quote of its kind, maybe many
nodes further down, closes it, and the parser stops just after that one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from exsampling_patch import yaml_syntax
from exsampling_patch.cli import main
from exsampling_patch.errors import Problem
from exsampling_patch.patchfile import loads_patch

REPO = Path(__file__).resolve().parents[2]
HEAD = "exsampling_patch: 1\nnodes:\n"
GROOVE = "- id: groove\n  type: pattern\n  params:\n    patterns:\n      HH: x.o.\n      Snare: '.... x...'\n"
LOG = "- id: {0}\n  type: log\n  params:\n    prefix: {1}\n"

#: A patch with a quote left open: (its text, the text the quote opens, the line of the quote that closed it).
BLOCK = {
    "single quote, past a node": (HEAD + "- id: trim\n  type: 'trim\n  params:\n    top_db: 60.0\n" + GROOVE
                                  + "links: []\n", "'trim", 12),
    "double quote, past a node": (HEAD + "- id: trim\n  type: \"trim\n" + LOG.format("a", '"loaded"')
                                  + "links: []\n", '"trim', 8),
    "at the last node, closed in links": (HEAD + LOG.format("a", "x") + "- id: b\n  type: 'log\n"
                                          + "links:\n- 'a.message -> b.message'\n", "'log", 10),
    "at the last node, closed after links": (HEAD + LOG.format("a", "x") + "- id: b\n  type: \"log\nlinks: []\n"
                                             + 'name: "Show"\n', '"log', 10),
    "quotes in a comment above": (HEAD + "# don't 'quote' me\n- id: a\n  type: 'trim\n" + LOG.format("b", "'b'")
                                  + "links: []\n", "'trim", 9),
    "quotes in a closed text above": (HEAD + LOG.format("a", "'it''s \"fine\"'") + "- id: b\n  type: 'trim\n"
                                      + LOG.format("c", "'c'") + "links: []\n", "'trim", 12),
    "a double quote in a single-quoted text above": (HEAD + LOG.format("a", "'\"'") + "- id: b\n  type: \"trim\n"
                                                     + LOG.format("c", '"c"') + "links: []\n", '"trim', 12),
    "a quote in a comment between": (HEAD + "- id: a\n  type: 'trim\n# it's closed here\n" + LOG.format("b", "'b'")
                                     + "links: []\n", "'trim", 5),
    "closed by an apostrophe below": (HEAD + "- id: a\n  type: 'trim\n" + LOG.format("b", "it's")
                                      + "links: []\n", "'trim", 8),
    "forty nodes above the closing one": (HEAD + "- id: a\n  type: \"trim\n"
                                          + "".join(LOG.format(f"n{i}", i) for i in range(40)) + LOG.format("z", '"z"')
                                          + "links: []\n", '"trim', 168),
}

#: The same, in brackets: the quote reads on past the bracket that closes them.
FLOW = {
    "single quote in braces": (HEAD + "- id: a\n  type: log\n  params: {prefix: 'loaded, level: 3}\n"
                               + "- id: b\n  type: log\n  params: {prefix: 'b'}\nlinks: []\n", "'loaded", 8),
    "single quote in braces, below the brace": (HEAD + "- id: a\n  type: log\n  params: {\n    prefix: 'loaded,\n"
                                                + "    level: 3}\n- id: b\n  type: log\n  params: {prefix: 'b'}\n"
                                                + "links: []\n", "'loaded", 10),
    "double quote in a list": (HEAD + "- id: s\n  type: sampler\n  params: {slot_names: [\"Kick, Pad]}\n"
                               + "- id: b\n  type: log\n  params: {prefix: \"b\"}\nlinks: []\n", '"Kick', 8),
    "in a list at the last node, closed in links": (HEAD + "- id: s\n  type: sampler\n  params:\n"
                                                    + "    slot_names: [Kick, 'Pad]\n"
                                                    + "links: ['a.slot -> s.assign']\n", "'Pad", 7),
}


def _only_problem(text: str) -> Problem:
    problems = loads_patch(text, "p.yaml").problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def _where(text: str, opens: str) -> tuple[int, int]:
    """(line, column), from 1, of the quote that begins ``opens`` in ``text``."""
    line = next(n for n, x in enumerate(text.split("\n"), 1) if opens in x)
    return line, text.split("\n")[line - 1].index(opens) + 1


def _assert_told_at_the_quote(text: str, opens: str, closed_at: int) -> None:
    problem = _only_problem(text)
    assert (problem.line, problem.column) == _where(text, opens), str(problem)
    assert problem.message.startswith("YAML syntax error"), str(problem)
    assert (f"the quote that opens here is not closed on its line, so YAML read on to the quote on line "
            f"{closed_at}, column") in problem.hint, str(problem)


@pytest.mark.parametrize(("text", "opens", "closed_at"), BLOCK.values(), ids=BLOCK.keys())
def test_a_quote_left_open_is_told_at_its_line(text: str, opens: str, closed_at: int) -> None:
    # Before, a quote whose text ran on past a line at the margin (the next node's '- id:') was told where the
    # parser stopped: "did not find expected key (check the indentation and quoting on this line)", lines below.
    _assert_told_at_the_quote(text, opens, closed_at)


@pytest.mark.parametrize(("text", "opens", "closed_at"), FLOW.values(), ids=FLOW.keys())
def test_a_quote_left_open_in_brackets_is_told_at_the_quote(text: str, opens: str, closed_at: int) -> None:
    # Before, it was told at the bracket, as "the quote or bracket that opens here is not closed": on another line
    # than the quote's where the bracket opened on the line above.
    _assert_told_at_the_quote(text, opens, closed_at)


def test_check_tells_a_quote_left_open_in_the_shipped_patch_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "exsampling.yaml:49:15: ... did not find expected key", 37 lines below the quote, which it did not name.
    lines = (REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8").split("\n")
    number = next(n for n, x in enumerate(lines) if x.strip() == "type: trim")
    lines[number] = lines[number].replace("trim", "'trim")
    patch = tmp_path / "exsampling.yaml"
    patch.write_text("\n".join(lines), encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"{patch}:{number + 1}:{lines[number].index(chr(39)) + 1}: "), out
    assert "the quote" in out[0] and "opens here is not closed" in out[0], out


def _many_nodes(count: int) -> str:
    return "".join(LOG.format(f"n{i}", i) for i in range(count))


#: Large patches where the parser stops just after a quote: (the text, what the quote opens if it opens one).
LARGE = {
    # The apostrophe closes no quoted text: before, the scan began further and further up, to the top.
    "an apostrophe in a value at the error": (HEAD + _many_nodes(2000) + LOG.format("z", "rock' : b")
                                              + "links: []\n", None),
    "an apostrophe at the error, a quoted value at the top": (HEAD + LOG.format("a", "'a'") + _many_nodes(2000)
                                                              + LOG.format("z", "rock' : b") + "links: []\n", None),
    # Before, each scan from a margin line further up read again the lines the one before it had read.
    "a quote that ran on 8000 lines": (HEAD + "- id: a\n  type: 'trim\n" + _many_nodes(2000)
                                       + LOG.format("z", "'z'") + "links: []\n", "'trim"),
}


@pytest.mark.parametrize(("text", "opens"), LARGE.values(), ids=LARGE.keys())
def test_a_quote_at_the_error_in_a_large_patch_is_scanned_once(
        text: str, opens: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = text.split("\n")
    scanned: list[int] = []
    scan = yaml_syntax._scan_for_scalar

    def counted_scan(lines: list[str], first: int, stop: yaml.Mark,
                     closing: tuple[int, int] | None) -> tuple[object, bool]:
        scanned.append(stop.line + 1 - first)
        return scan(lines, first, stop, closing)

    monkeypatch.setattr(yaml_syntax, "_scan_for_scalar", counted_scan)
    if opens is None:
        problem = _only_problem(text)
        line = next(n for n, x in enumerate(lines, 1) if "rock'" in x)
        assert (problem.line, problem.column) == (line, lines[line - 1].index("' :") + 3), str(problem)
        assert "not closed" not in problem.hint, str(problem)
    else:
        _assert_told_at_the_quote(text, opens, len(lines) - 2)
    # Each line at most once, but the last node's (scanned first, from the margin line above the error): before,
    # about twice each.
    assert sum(scanned) <= len(lines) + len(LOG.split("\n")), scanned
