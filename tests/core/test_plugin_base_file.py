"""A node file that holds only a base class that other node files share."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from exsampling_patch.registry import Registry

BASE = ("from exsampling_patch import ANY, Input, Node\n\n\nclass Effect(Node):\n    '''An effect.'''\n\n"
        "    abstract = True\n    x = Input(ANY)\n\n    def on_x(self, m):\n        self.apply(m)\n\n"
        "    def apply(self, m):\n        raise NotImplementedError\n")
TYPE = "from {base} import Effect\n\n\nclass Rev(Effect):\n    '''Rev.'''\n\n    def apply(self, m):\n        pass\n"


def test_a_file_of_a_shared_base_alone_is_told_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The guide's layout (`from effect_base import Effect`): the base's file was warned of as "defines no node type
    # (no subclass of Node)", which it holds.
    monkeypatch.delitem(sys.modules, "fx_shared_base", raising=False)
    (tmp_path / "fx_shared_base.py").write_text(BASE, encoding="utf-8")
    (tmp_path / "rev.py").write_text(TYPE.format(base="fx_shared_base"), encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert registry.problems == []
    assert "rev" in registry and "effect" not in registry


def test_a_file_of_an_abstract_base_alone_says_what_it_holds(tmp_path: Path) -> None:
    # Abstract for a method it leaves to its types (abc), without abstract = True: told what it is, at its line.
    (tmp_path / "fx_abc_base.py").write_text(
        BASE.replace("from exsampling_patch", "from abc import ABC, abstractmethod\n\nfrom exsampling_patch")
        .replace("(Node)", "(Node, ABC)").replace("    abstract = True\n", "")
        .replace("    def apply", "    @abstractmethod\n    def apply"), encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'fx_abc_base.py'}:6: defines no node type, only the base class Effect (abstract: apply not "
        "defined): a base other node types share is fine here, and sets abstract = True to say so; a type of its own "
        "defines those methods"]
