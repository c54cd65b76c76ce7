"""A plugin developer's slips, told in words that say what was meant: each from a node file in a real folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch import TAKE, Input, Node, Output, Param, Take
from exsampling_patch.registry import Registry
from exsampling_patch.validate import check_file


def told(folder: Path) -> dict[str, str]:
    registry = Registry.default([folder], entry_points=False)
    return {problem.origin: problem.error for problem in registry.problems}


@pytest.mark.parametrize(("given", "meant"),
                         [("Take", "TAKE"), ("SlotAssignment", "SLOT"), ("Prediction", "PREDICTION")])
def test_a_port_typed_with_a_message_class_names_the_port_type_meant(tmp_path: Path, given: str, meant: str) -> None:
    # Before: "not <class 'exsampling_patch.messages.Take'>", no word of the TAKE meant.
    (tmp_path / "rev.py").write_text(
        f"from exsampling_patch import Input, Node\nfrom exsampling_patch.messages import {given}\n\n\n"
        f"class Rev(Node):\n    \"\"\"Reverse.\"\"\"\n\n    take = Input({given}, 'the take')\n", encoding="utf-8")
    error = told(tmp_path)[f"{tmp_path / 'rev.py'}:8"]
    assert error.endswith(f"not the class {given}; did you mean {meant}?")
    assert "<class" not in error


def test_a_misspelt_name_imported_from_the_package_says_which_was_meant(tmp_path: Path) -> None:
    # Python 3.11 says only "cannot import name 'TAEK'": the TAKE meant was left to find by eye.
    (tmp_path / "rev.py").write_text("from exsampling_patch import TAEK, Input, Node\n", encoding="utf-8")
    (tmp_path / "gain.py").write_text("from exsampling_patch import Imput\n", encoding="utf-8")
    (tmp_path / "far.py").write_text("from exsampling_patch import Zebra\n", encoding="utf-8")
    errors = told(tmp_path)
    assert errors[f"{tmp_path / 'rev.py'}:1"].endswith("; did you mean 'TAKE'?")
    assert errors[f"{tmp_path / 'gain.py'}:1"].endswith("; did you mean 'Input'?")
    assert "did you mean" not in errors[f"{tmp_path / 'far.py'}:1"]


def test_samples_emitted_on_a_take_output_say_how_to_send_them() -> None:
    class Reverse(Node):
        """Play a take backwards, but send its samples."""

        take = Input(TAKE, "in")
        out = Output(TAKE, "out")

        def on_take(self, take: Take) -> None:
            self.emit("out", take.samples[::-1])

    node = Reverse("rev")
    # 1833669's words: what the output carries, how to make one, and what emit got, without Python's class names
    with pytest.raises(TypeError, match=r"take\.derive\(samples\) for new samples\); emit got an array of samples"):
        node.handle("take", Take(np.zeros(4, dtype=np.float32), 8000))


def test_a_parameter_without_a_default_shows_the_call_meant(tmp_path: Path) -> None:
    # Before: "a parameter needs a default unless it is required=True", Param(float, doc=...) looking whole.
    (tmp_path / "gain.py").write_text(
        "from exsampling_patch import Node, Param\n\n\nclass Gain(Node):\n    \"\"\"Gain.\"\"\"\n\n"
        "    gain_db = Param(float, doc='gain in decibels')\n    mode = Param('choice', choices=['soft', 'hard'])\n",
        encoding="utf-8")
    assert told(tmp_path)[f"{tmp_path / 'gain.py'}:7"] == (
        "ValueError: a parameter needs a default after its kind: Param(float, 0.0, \"what it sets\"), or "
        "required=True for one that every patch sets")
    with pytest.raises(ValueError, match=r"Param\('choice', 'soft', \"what it sets\", choices=\[\.\.\.\]\)"):
        Param("choice", choices=["soft", "hard"])


def test_a_misspelt_family_is_told_with_the_palette_group_meant(tmp_path: Path) -> None:
    # Before: "procesing" loaded as a palette group of its own, beside "processing", with nothing said.
    (tmp_path / "rev.py").write_text(
        "from exsampling_patch import TAKE, Input, Node\n\n\nclass Rev(Node):\n    \"\"\"Reverse.\"\"\"\n\n"
        "    family = 'procesing'\n    take = Input(TAKE, 'in')\n\n    def on_take(self, take):\n        pass\n",
        encoding="utf-8")
    (tmp_path / "echo.py").write_text(
        "from exsampling_patch import TAKE, Input, Node\n\n\nclass Echo(Node):\n    \"\"\"Echo.\"\"\"\n\n"
        "    family = 'effects'\n    take = Input(TAKE, 'in')\n\n    def on_take(self, take):\n        pass\n",
        encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert "rev" not in registry and registry.get("echo").family == "effects"  # a group of one's own is fine
    (problem,) = registry.problems
    assert problem.origin == f"{tmp_path / 'rev.py'}:7"
    assert problem.error.startswith("Rev: family 'procesing' is no palette group; did you mean 'processing'?")


def test_the_families_checked_are_the_palette_s() -> None:
    from exsampling_patch.editor.palette import FAMILY_ORDER
    from exsampling_patch.node_checks import FAMILIES

    assert set(FAMILY_ORDER) <= set(FAMILIES)
    assert {node_type.family for node_type in Registry.default(entry_points=False)} <= set(FAMILIES)


def test_a_shared_base_without_abstract_and_a_type_missing_its_method_are_told(tmp_path: Path) -> None:
    # Before: the base loaded as a type of its own, and it and a type that left apply() out failed on every take.
    (tmp_path / "effects.py").write_text(
        "from exsampling_patch import TAKE, Input, Node, Output\n\n\n"
        "class Effect(Node):\n    \"\"\"A take effect.\"\"\"\n\n    take = Input(TAKE, 'in')\n"
        "    out = Output(TAKE, 'out')\n\n    def on_take(self, take):\n"
        "        self.emit('out', take.derive(self.apply(take.samples)))\n\n"
        "    def apply(self, samples):\n        \"\"\"The changed samples.\"\"\"\n"
        "        raise NotImplementedError\n\n\n"
        "class Invert(Effect):\n    \"\"\"Invert polarity.\"\"\"\n\n    def apply(self, samples):\n"
        "        return -samples\n\n\n"
        "class Forgot(Effect):\n    \"\"\"Left apply out.\"\"\"\n", encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert "invert" in registry and "effect" not in registry and "forgot" not in registry
    errors = {problem.origin: problem.error for problem in registry.problems}
    file = tmp_path / "effects.py"
    assert errors[f"{file}:13"].startswith("Effect: apply() raises NotImplementedError: a base that other node types "
                                           "share sets abstract = True")
    assert errors[f"{file}:25"].startswith(f"Forgot: defines no apply(), and Effect's raises NotImplementedError (at "
                                           f"{file}:13): define apply() in Forgot")


def test_a_shared_base_with_abstract_loads_its_types_alone(tmp_path: Path) -> None:
    (tmp_path / "effects.py").write_text(
        "from exsampling_patch import TAKE, Input, Node, Output\n\n\n"
        "class Effect(Node):\n    abstract = True\n    take = Input(TAKE, 'in')\n    out = Output(TAKE, 'out')\n\n"
        "    def on_take(self, take):\n        self.emit('out', take.derive(self.apply(take.samples)))\n\n"
        "    def apply(self, samples):\n        raise NotImplementedError('each effect says how')\n\n\n"
        "class Invert(Effect):\n    \"\"\"Invert polarity.\"\"\"\n\n    def apply(self, samples):\n"
        "        return -samples\n", encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert registry.problems == [] and "invert" in registry and "effect" not in registry


def test_a_parameter_of_a_plugin_that_a_built_in_shadows_names_the_plugin_ignored(tmp_path: Path) -> None:
    # Before: "trim has no parameter 'gain' (its parameters: top_db, ...)", the built-in's, with the plugin's own
    # warning line (its trim ignored) printed apart from it.
    nodes = tmp_path / "my-nodes"
    nodes.mkdir()
    (nodes / "trim.py").write_text(
        "from exsampling_patch import TAKE, Input, Node, Param\n\n\nclass Trim(Node):\n    \"\"\"My trim.\"\"\"\n\n"
        "    take = Input(TAKE, 'in')\n    gain = Param(float, 1.0, 'gain')\n\n    def on_take(self, take):\n"
        "        pass\n", encoding="utf-8")
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: t\n  type: trim\n  params: {gain: 0.5}\n", encoding="utf-8")
    (problem,) = check_file(patch, [str(nodes)])
    assert problem.message == "node 't': trim has no parameter 'gain'"
    assert problem.hint.endswith(f"; not loaded: {nodes / 'trim.py'}:4: Trim: node type 'trim' is already defined by "
                                 "built-in; this one is ignored (give it a type_name of its own)")
    assert problem.hint.startswith("its parameters: top_db")
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: t\n  type: trim\n  params: {gian: 0.5}\n", encoding="utf-8")
    (problem,) = check_file(patch)  # no plugin of the name: the hint as before
    assert problem.hint.startswith("its parameters: top_db") and "not loaded" not in problem.hint


def test_a_keyword_a_declaration_does_not_take_says_which_was_meant(tmp_path: Path) -> None:
    # Python 3.11 says only "Param.__init__() got an unexpected keyword argument 'min'".
    (tmp_path / "gain.py").write_text(
        "from exsampling_patch import TAKE, Input, Node, Param\n\n\nclass Gain(Node):\n    \"\"\"Gain.\"\"\"\n\n"
        "    take = Input(TAKE, 'in')\n    gain_db = Param(float, 0.0, 'gain', min=-60.0)\n", encoding="utf-8")
    (tmp_path / "mix.py").write_text(
        "from exsampling_patch import TAKE, Input, Node\n\n\nclass Mix(Node):\n    \"\"\"Mix.\"\"\"\n\n"
        "    takes = Input(TAKE, 'in', many=True)\n", encoding="utf-8")
    errors = told(tmp_path)
    assert errors[f"{tmp_path / 'gain.py'}:8"] == ("TypeError: Param.__init__() got an unexpected keyword argument "
                                                   "'min'; did you mean 'minimum'?")
    assert errors[f"{tmp_path / 'mix.py'}:7"] == ("TypeError: Input.__init__() got an unexpected keyword argument "
                                                  "'many' (it takes type, doc, multiple)")


def test_an_entry_point_naming_no_node_type_says_what_it_names(tmp_path: Path) -> None:
    # Before: "not <function helper at 0x7f...>" and "<class 'badep.NotNode'> is not a Node subclass".
    dist = tmp_path / "badep-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: badep\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[exsampling_patch.nodes]\nfn = badep:helper\nplain = badep:NotNode\n",
                                           encoding="utf-8")
    (tmp_path / "badep.py").write_text("def helper():\n    pass\n\n\nclass NotNode:\n    pass\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "exsampling_patch", "nodes", "log"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ("warning: plugin entry point fn (badep:helper) of package badep 0.1: TypeError: entry point must name a "
            "Node subclass, a list of them or a module, not the function badep.helper\n") in result.stderr
    assert ("warning: plugin entry point plain (badep:NotNode) of package badep 0.1: TypeError: the class "
            "badep.NotNode is not a Node subclass (write class NotNode(Node):)\n") in result.stderr


def test_a_name_not_defined_says_what_to_import_or_which_was_meant(tmp_path: Path) -> None:
    # Python 3.11 says only "name 'TAKE' is not defined": its "Did you mean" is in a traceback, not in the error.
    head = ("from exsampling_patch import {}\n\n\nclass Rev(Node):\n    \"\"\"Reverse.\"\"\"\n\n"
            "    take = Input({}, 'in')\n")
    (tmp_path / "unimported.py").write_text(head.format("Input, Node", "TAKE"), encoding="utf-8")
    (tmp_path / "misspelt.py").write_text(head.format("TAKE, Input, Node", "TAEK"), encoding="utf-8")
    (tmp_path / "unknown.py").write_text(head.format("Input, Node", "ZEBRA"), encoding="utf-8")
    errors = told(tmp_path)
    assert errors[f"{tmp_path / 'unimported.py'}:7"] == ("NameError: name 'TAKE' is not defined (import it: from "
                                                         "exsampling_patch import TAKE)")
    assert errors[f"{tmp_path / 'misspelt.py'}:7"] == "NameError: name 'TAEK' is not defined; did you mean 'TAKE'?"
    assert errors[f"{tmp_path / 'unknown.py'}:7"] == "NameError: name 'ZEBRA' is not defined"
