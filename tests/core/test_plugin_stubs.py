"""A method that only raises ``NotImplementedError`` stops a plugin type loading only where it fails the type's
messages: its handler, a method a base leaves to its types (it has types), one such method a type left out. Each from
a node file in a real folder."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch import Take
from exsampling_patch.registry import Registry

GAIN = (
    "from exsampling_patch import TAKE, Input, Node, Output\n\n\n"
    "class Gain(Node):\n    \"\"\"Half as loud.\"\"\"\n\n    take = Input(TAKE, 'in')\n"
    "    out = Output(TAKE, 'out')\n\n"
    "    def on_take(self, take):\n{handler}\n\n"
    "    def export_settings(self):\n        \"\"\"The settings as a preset file (to come).\"\"\"\n"
    "        raise NotImplementedError\n")


def test_a_type_s_own_stub_of_a_method_no_message_calls_loads_and_runs(tmp_path: Path) -> None:
    # Before: refused, "export_settings() raises NotImplementedError: a base that other node types share ...", for
    # a type nobody derives from that loaded and ran before that check.
    (tmp_path / "gain.py").write_text(
        GAIN.format(handler="        self.emit('out', take.derive(take.samples * 0.5))"), encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert registry.problems == []
    sent = []
    node = registry.get("gain")("g", {})
    node.emit = lambda port, message: sent.append((port, message))  # type: ignore[method-assign]
    node.handle("take", Take(np.ones(4, dtype=np.float32), 8000))
    assert [port for port, _ in sent] == ["out"] and np.allclose(sent[0][1].samples, 0.5)


def test_a_handler_left_a_stub_is_told_at_its_def(tmp_path: Path) -> None:
    (tmp_path / "gain.py").write_text(GAIN.format(handler="        raise NotImplementedError"), encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert "gain" not in registry
    assert {problem.origin: problem.error for problem in registry.problems} == {
        f"{tmp_path / 'gain.py'}:10": "Gain: on_take() only raises NotImplementedError: every message on 'take' would "
                                      "fail; write the handler (a base that other node types share sets abstract = "
                                      "True, and each of its types defines it); node type 'gain' is not loaded"}


BASE = (
    "from exsampling_patch import TAKE, Input, Node, Output\n\n\n"
    "class Effect(Node):\n    \"\"\"A base of effects: each defines process().\"\"\"\n\n"
    "    take = Input(TAKE, 'in')\n    out = Output(TAKE, 'out')\n\n"
    "    def on_take(self, take):\n        self.emit('out', take.derive(self.process(take.samples)))\n\n"
    "    def process(self, samples):\n        raise NotImplementedError\n")
LOUD = (
    "from {base} import Effect\n\n\n"
    "class Loud(Effect):\n    \"\"\"Twice as loud.\"\"\"\n\n"
    "    def process(self, samples):\n        return samples * 2\n")


# The types' file loaded after the base's file, and before it; each base of a name of its own, as a file imported by
# name stays in sys.modules for the tests after.
@pytest.mark.parametrize(("base", "loud_file"), [("effect_base", "loud.py"), ("fx_base", "amp.py")])
def test_a_base_whose_types_are_in_another_file_is_refused_for_its_stub(tmp_path: Path, base: str,
                                                                        loud_file: str) -> None:
    # Before: 'effect' loaded (no type derived from it as its file was registered: the other file's Effect is a
    # second copy of the class, imported by its file's name), and every take on it failed in process().
    (tmp_path / f"{base}.py").write_text(BASE, encoding="utf-8")
    (tmp_path / loud_file).write_text(LOUD.format(base=base), encoding="utf-8")
    try:
        registry = Registry.default([tmp_path], entry_points=False)
    finally:
        sys.modules.pop(base, None)
    assert "effect" not in registry
    assert [(problem.origin, problem.error, problem.loaded) for problem in registry.problems] == [(
        f"{tmp_path / base}.py:13", "Effect: process() raises NotImplementedError: a base that other node types "
        "share sets abstract = True (it is then no type itself), and each of its types defines process() (its types: "
        "Loud); node type 'effect' is not loaded", False)]
    sent = []
    node = registry.get("loud")("l", {})
    node.emit = lambda port, message: sent.append((port, message))  # type: ignore[method-assign]
    node.handle("take", Take(np.ones(4, dtype=np.float32), 8000))
    assert np.allclose(sent[0][1].samples, 2.0)
