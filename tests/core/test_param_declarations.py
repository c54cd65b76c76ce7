"""Mistakes in a ``Param(...)`` of a node file, told when the file loads with the file and line that declares the
parameter, as ``exsampling nodes``, ``check`` and the editor show them."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.registry import Registry

HEAD = "from pathlib import Path\n\nfrom exsampling_patch import ANY, Input, Node, Param\n\n\nclass Odd(Node):\n" \
       "    '''Odd.'''\n\n    x = Input(ANY)\n"
HANDLER = "\n    def on_x(self, m):\n        pass\n"


def load(tmp_path: Path, params: str) -> Registry:
    """A registry that read ``mine.py``, whose class Odd declares ``params`` (its first at line 10)."""
    (tmp_path / "mine.py").write_text(HEAD + params + HANDLER, encoding="utf-8")
    return Registry.default([tmp_path], entry_points=False)


def told(registry: Registry) -> list[str]:
    return [str(p) for p in registry.problems]


def test_a_default_of_none_is_refused_unless_the_parameter_is_required(tmp_path: Path) -> None:
    # Before, Param(float, None) loaded as an optional parameter nothing documented: the node got None.
    registry = load(tmp_path, "    level = Param(float, None, 'a level')\n")
    assert told(registry) == [f"{tmp_path / 'mine.py'}:10: ValueError: a parameter's default cannot be None: give a "
                              "float default, or write required=True for one that every patch sets"]
    assert "odd" not in registry
    assert "odd" in load(tmp_path, "    level = Param(float, None, 'a level', required=True)\n")


def test_a_path_default_is_shown_as_its_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `exsampling nodes` and the editor's tooltip showed "default PosixPath('takes/x.wav')".
    registry = load(tmp_path, "    sound = Param('path', Path('takes/x.wav'), 'a file', path_kind='file')\n")
    assert registry.problems == []
    (param,) = registry.get("odd").describe()["params"]
    assert param["default"] == "takes/x.wav"
    assert main(["nodes", "--nodes", str(tmp_path)]) == 0
    assert "    param sound (path, default 'takes/x.wav'): a file\n" in capsys.readouterr().out


def test_nodes_shows_a_parameter_s_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `exsampling nodes` left out the unit a plugin declared: "gain_db (float, default 0.0, in [-60.0, 24.0])".
    load(tmp_path, "    gain_db = Param(float, 0.0, 'a gain', minimum=-60.0, maximum=24.0, unit='dB')\n"
                   "    delay = Param(float, 0.5, 'a delay', unit='s')\n")
    assert main(["nodes", "--nodes", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "    param gain_db (float, default 0.0, in [-60.0, 24.0] dB): a gain\n" in out
    assert "    param delay (float, default 0.5, in s): a delay\n" in out


@pytest.mark.parametrize(("base", "message"), [
    ("'modee'", "base='modee' of parameter 'table' names no parameter of the type; did you mean 'mode'?"),
    ("'level'", "base='level' of parameter 'table' must name a choice parameter with the choice 'empty' (the value "
                "that starts the table from no rows)"),
])
def test_a_base_that_names_no_choice_parameter_is_told_at_its_line(tmp_path: Path, base: str, message: str) -> None:
    # Before, base= naming no parameter loaded, and the table always started from its default.
    registry = load(tmp_path, "    mode = Param(str, 'shipped', 'what', choices=('shipped', 'empty'))\n"
                              "    level = Param(float, 0.5, 'a level')\n"
                              f"    table = Param(dict, {{'a': 'b'}}, 'rows', merge=True, base={base})\n")
    assert told(registry) == [f"{tmp_path / 'mine.py'}:12: Odd: {message}; node type 'odd' is not loaded"]
    assert "odd" in load(tmp_path, "    mode = Param(str, 'shipped', 'what', choices=('shipped', 'empty'))\n"
                                   "    table = Param(dict, {'a': 'b'}, 'rows', merge=True, base='mode')\n")


def test_a_unit_that_is_no_text_is_told_at_its_line(tmp_path: Path) -> None:
    # Before, unit=5 loaded, and was shown after each value of the parameter.
    registry = load(tmp_path, "    level = Param(float, 0.5, 'a level', unit=5)\n")
    assert told(registry) == [f"{tmp_path / 'mine.py'}:10: ValueError: unit must be a text ('dB', 's'), not int 5"]
    assert "odd" not in registry


def test_a_doc_that_is_no_text_is_told_at_its_line(tmp_path: Path) -> None:
    # Before, doc=5 loaded, and `exsampling nodes` showed "param level (float, default 0.5): 5".
    registry = load(tmp_path, "    level = Param(float, 0.5, doc=5)\n")
    assert told(registry) == [f"{tmp_path / 'mine.py'}:10: ValueError: doc must be a text (Param(kind, default, "
                              "doc)), not int 5"]
    assert "odd" not in registry


def test_a_base_without_merge_is_told_at_its_line(tmp_path: Path) -> None:
    # Before, base= without merge=True loaded, and the table never started empty whatever the choice said.
    registry = load(tmp_path, "    mode = Param(str, 'shipped', 'what', choices=('shipped', 'empty'))\n"
                              "    table = Param(dict, {'a': 'b'}, 'rows', base='mode')\n")
    assert told(registry) == [f"{tmp_path / 'mine.py'}:11: ValueError: base='mode' is for a table that a patch "
                              "changes row by row: add merge=True"]
    assert "odd" not in registry
