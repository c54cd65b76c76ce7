"""How to test a custom node: build it, feed it messages, check what it emits, load it in a patch and check that.

Copy this file beside your own plugin and change the names. A node built without a runtime collects what it does
in ``node.context``: ``emitted`` (``(output, message)`` pairs), ``errors`` and ``statuses``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_gain import Gain
from exsampling_patch import Take
from exsampling_patch.errors import PatchError
from exsampling_patch.node import ParamError
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.validate import load_patch, open_patch


def a_take(value: float, frames: int = 8) -> Take:
    return Take(np.full((frames, 1), value, dtype=np.float32), 8000)


# -- the node alone --------------------------------------------------------------------------------------------


def test_minus_six_db_halves_the_level() -> None:
    node = Gain("g", {"gain_db": -6.0206})
    node.handle("take", a_take(0.5))
    ((port, out),) = node.context.emitted
    assert port == "out"
    assert np.allclose(out.samples, 0.25, atol=1e-4)
    assert out.meta["gain_db"] == -6.0206


def test_the_incoming_take_is_left_as_it_was() -> None:
    take = a_take(0.5)
    Gain("g", {"gain_db": 12.0}).handle("take", take)
    assert np.all(take.samples == 0.5)  # other branches of the patch share these samples


def test_clip_keeps_samples_within_full_scale_unless_told_not_to() -> None:
    clipped, loud = Gain("a", {"gain_db": 12.0}), Gain("b", {"gain_db": 12.0, "clip": False})
    for node in (clipped, loud):
        node.handle("take", a_take(0.5))
    assert np.max(clipped.context.emitted[0][1].samples) == 1.0
    assert np.max(loud.context.emitted[0][1].samples) > 1.0


def test_parameters_are_checked_when_the_node_is_built() -> None:
    with pytest.raises(ParamError):
        Gain("g", {"gain_db": 100.0})  # above its maximum (24 dB)
    with pytest.raises(ParamError):
        Gain("g", {"gain_db": "loud"})


def test_the_type_loads_without_problems() -> None:
    """What loading checks (a handler for each input, emits to declared outputs, defaults that fit)."""
    registry = Registry()
    registry.register(Gain, "test")
    assert registry.problems == []
    assert registry.get("gain") is Gain


# -- the node in a patch ---------------------------------------------------------------------------------------


@pytest.fixture
def registry() -> Registry:
    """The built-in node types and this plugin's (installed, it would come through its entry point)."""
    registry = Registry.default(entry_points=False)
    registry.register(Gain, "test")
    return registry


def write_patch(folder: Path, gain_params: str) -> Path:
    path = folder / "show.yaml"
    path.write_text(
        "exsampling_patch: 1\n"
        "nodes:\n"
        "- id: quieter\n"
        "  type: gain\n"
        f"  params: {gain_params}\n"
        "- id: writer\n"
        "  type: take_writer\n"
        "  params: {folder: out, naming: take_id}\n"
        "links:\n"
        "- quieter.out -> writer.take\n",
        encoding="utf-8",
    )
    return path


def test_a_patch_using_the_node_checks(tmp_path: Path, registry: Registry) -> None:
    _, _, problems = open_patch(write_patch(tmp_path, "{gain_db: -6}"), registry)
    assert problems == []


def test_a_misspelt_parameter_is_told_on_its_line(tmp_path: Path, registry: Registry) -> None:
    with pytest.raises(PatchError) as raised:
        load_patch(write_patch(tmp_path, "{gain_bd: -6}"), registry)
    (problem,) = raised.value.problems
    assert problem.line == 5
    assert "has no parameter 'gain_bd'" in problem.message and "did you mean 'gain_db'?" in problem.hint


def test_the_patch_runs(tmp_path: Path, registry: Registry) -> None:
    patch, registry = load_patch(write_patch(tmp_path, "{gain_db: -6.0206}"), registry)
    engine = Engine(registry, workers=2, base_dir=tmp_path, pin_workers=False)
    engine.start(patch)
    try:
        engine.inject("quieter", "take", a_take(0.5, frames=800))
        assert engine.wait_idle(timeout=30.0)
    finally:
        engine.stop()
    assert engine.errors == {}
    (written,) = (tmp_path / "out").glob("*.wav")
    assert np.allclose(sf.read(written, dtype="float32")[0], 0.25, atol=1e-3)
