"""A node file imported by name from a sibling (a shared base) is the one of its own folder, in one process."""

from __future__ import annotations

import sys
from pathlib import Path

from exsampling_patch.registry import Registry

BASE = ("from exsampling_patch import ANY, Input, Node, Output\n\n\nclass Effect(Node):\n    '''A base.'''\n\n"
        "    abstract = True\n    x = Input(ANY)\n    out = Output(ANY)\n    gain = {gain}\n\n"
        "    def on_x(self, m):\n        self.emit('out', m)\n")


def test_two_folders_with_a_base_file_of_one_name_each_get_their_own(tmp_path: Path) -> None:
    # `exsampling edit` loading two patches' folders, or two tests: the second folder's `from fx_twin_base import
    # Effect` was the first folder's file, cached by name, and its type ran the other folder's code.
    for folder, gain in (("one", 1), ("two", 2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "fx_twin_base.py").write_text(BASE.format(gain=gain), encoding="utf-8")
        (tmp_path / folder / f"rev_{folder}.py").write_text(
            f"from fx_twin_base import Effect\n\n\nclass Rev{folder.title()}(Effect):\n    '''Rev.'''\n",
            encoding="utf-8")
    try:
        first = Registry.default([tmp_path / "one"], entry_points=False)
        second = Registry.default([tmp_path / "two"], entry_points=False)
        again = Registry.default([tmp_path / "one"], entry_points=False)
    finally:
        sys.modules.pop("fx_twin_base", None)
    assert first.problems == second.problems == again.problems == []
    # gain: an attribute of the plugins' own base class, which mypy cannot see
    assert first.get("rev_one").gain == 1  # type: ignore[attr-defined]
    assert second.get("rev_two").gain == 2  # type: ignore[attr-defined]  # it was 1
    assert again.get("rev_one").gain == 1  # type: ignore[attr-defined]
