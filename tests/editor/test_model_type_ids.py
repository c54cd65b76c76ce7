"""The id the editor gives a node it adds, for a type whose name no id may hold as it is (a dot, '->')."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry
from exsampling_patch.validate import load_patch


class AcmeGain(Node):
    """A type named like a plugin package's."""

    type_name = "acme.gain"
    x = Input(ANY)
    y = Output(ANY)

    def on_x(self, message: Any) -> None:
        self.emit("y", message)


class ToMono(AcmeGain):
    """A type named with a link's arrow."""

    type_name = "stereo->mono"


@pytest.mark.parametrize(("type_name", "ids"), [("acme.gain", ["acme_gain", "acme_gain_2"]),
                                                ("stereo->mono", ["stereo-mono", "stereo-mono_2"])])
def test_a_type_whose_name_no_id_may_hold_is_added_with_an_id_a_link_names(
        tmp_path: Path, type_name: str, ids: list[str]) -> None:
    # Before, adding one raised "'acme.gain': an id may not contain dots, ...": the type was in the palette and
    # could not be added from it.
    registry = Registry.default(entry_points=False)
    registry.register(AcmeGain, "test")
    registry.register(ToMono, "test")
    assert registry.problems == []
    model = EditorModel(registry)
    assert [model.add_node(type_name), model.add_node(type_name)] == ids
    assert model.connect(f"{ids[0]}.y", f"{ids[1]}.x")
    model.save(tmp_path / "show.yaml")
    patch, _ = load_patch(tmp_path / "show.yaml", registry)  # raises PatchError naming any problem
    assert [(n.id, n.type) for n in patch.nodes.values()] == [(ids[0], type_name), (ids[1], type_name)]
