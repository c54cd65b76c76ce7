"""The registry: built-ins, folders of user nodes, broken plugins reported without stopping the others."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.registry import Registry

PLUGINS = Path(__file__).parent / "plugins"


def test_builtins_are_found() -> None:
    registry = Registry.default(entry_points=False)
    for name in ("folder_source", "take_writer", "log", "relay"):
        assert name in registry
    assert registry.origins["log"] == "built-in"


def test_folder_nodes_load(tmp_path: Path) -> None:
    registry = Registry.default([PLUGINS], entry_points=False)
    assert "fail_on_name" in registry and "collect" in registry
    assert registry.origins["collect"].endswith("test_nodes.py")


def test_broken_plugin_is_reported_and_others_load(tmp_path: Path) -> None:
    (tmp_path / "a_broken.py").write_text("import not_a_module_anywhere\n", encoding="utf-8")
    (tmp_path / "b_syntax.py").write_text("def (:\n", encoding="utf-8")
    (tmp_path / "c_good.py").write_text(
        "from exsampling_patch import Node, Input, ANY\n"
        "class Good(Node):\n    '''Fine.'''\n    x = Input(ANY)\n    def on_x(self, m): pass\n",
        encoding="utf-8",
    )
    registry = Registry.default([tmp_path], entry_points=False)
    assert "good" in registry
    origins = {Path(p.origin).name: p.error for p in registry.problems}
    assert "ModuleNotFoundError" in origins["a_broken.py:1"]
    assert "SyntaxError" in origins["b_syntax.py:1"]


def test_a_plugin_that_fails_to_import_is_told_with_the_line_of_its_own_code(tmp_path: Path) -> None:
    # Before, "ImportError: cannot import name 'TAEK'" or the port type's TypeError came without a line.
    (tmp_path / "typo.py").write_text("import json\nfrom exsampling_patch import TAEK\n", encoding="utf-8")
    (tmp_path / "port.py").write_text(
        "from exsampling_patch import Input, Node\n\n\nclass P(Node):\n    x = Input('take')\n", encoding="utf-8")
    helper = tmp_path / "lib"
    helper.mkdir()
    (helper / "shared.py").write_text("\nraise RuntimeError('no config')\n", encoding="utf-8")
    (tmp_path / "uses_helper.py").write_text(
        f"import sys\nsys.path.insert(0, {str(helper)!r})\ntry:\n    import shared\nfinally:\n    sys.path.pop(0)\n",
        encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    told = {p.origin: p.error for p in registry.problems}
    assert told[f"{tmp_path / 'typo.py'}:2"].startswith("ImportError: cannot import name 'TAEK'")
    assert told[f"{tmp_path / 'port.py'}:5"].startswith("TypeError: a port's type must be one of")
    assert told[f"{tmp_path / 'uses_helper.py'}"] == f"RuntimeError: no config (at {helper / 'shared.py'}:2)"


@pytest.mark.parametrize("name", ["check_params", "check_warnings", "midi_parts", "note_slots", "channel_slots"])
def test_a_plugin_parameter_that_would_hide_a_node_hook_is_refused(tmp_path: Path, name: str) -> None:
    """A parameter is a class attribute: named after a hook the checks call, it hid the hook without a word."""
    (tmp_path / "hides.py").write_text(
        "from exsampling_patch import Node, Param\n\n\nclass Hides(Node):\n    \"\"\"Hides.\"\"\"\n\n"
        f"    {name} = Param(float, 1.0, 'named as a hook')\n", encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert "hides" not in registry
    told = {p.origin: p.error for p in registry.problems}
    assert told[f"{tmp_path / 'hides.py'}:7"] == f"TypeError: Hides: parameter '{name}' hides Node.{name}; rename it"


def test_a_port_that_would_hide_a_node_hook_is_told_at_its_own_line(tmp_path: Path) -> None:
    # Before, the class statement's line (4), and "port or parameter name 'leaving'": neither said which declaration.
    (tmp_path / "late.py").write_text(
        "from exsampling_patch import ANY, Input, Node, Output\n\n\nclass Late(Node):\n    \"\"\"Late.\"\"\"\n\n"
        "    take = Input(ANY, 'takes')\n    leaving = Output(ANY, 'named as a hook')\n\n"
        "    def on_take(self, take):\n        pass\n", encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert "late" not in registry
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'late.py'}:8: TypeError: Late: output 'leaving' hides Node.leaving; rename it"]


def test_a_name_declared_twice_is_told_at_its_second_declaration(tmp_path: Path) -> None:
    # Before, the class statement's line (13): the subclass's parameter that took the base's input name went unnamed.
    (tmp_path / "twice.py").write_text(
        "from exsampling_patch import ANY, Input, Node, Param\n\n\nclass Base(Node):\n    \"\"\"Base.\"\"\"\n\n"
        "    level = Input(ANY, 'levels')\n\n    def on_level(self, m):\n        pass\n\n\n"
        "class Loud(Base):\n    \"\"\"Loud.\"\"\"\n\n    level = Param(float, 1.0, 'the level')\n", encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert "loud" not in registry
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'twice.py'}:16: TypeError: Loud: 'level' names two things (ports and parameters share one "
        "namespace)"]


def test_a_parameter_named_hang_after_is_still_the_patchs_to_set() -> None:
    """hang_after is meant to be declared as a parameter (the classifier does): guarding the hooks keeps it free."""
    assert Registry.default(entry_points=False).get("classifier").param_specs["hang_after"].default == 60.0


def test_a_node_file_imports_the_helper_modules_beside_it(tmp_path: Path) -> None:
    # Before, `from _dsp import flip` failed (ModuleNotFoundError) although the docs skip `_` files as helpers.
    (tmp_path / "_dsp_helpers_for_this_test.py").write_text("def flip(x):\n    return x[::-1]\n", encoding="utf-8")
    (tmp_path / "flip.py").write_text(
        "from exsampling_patch import ANY, Input, Node\nfrom _dsp_helpers_for_this_test import flip\n\n\n"
        "class Flip(Node):\n    '''Flip.'''\n\n    x = Input(ANY)\n\n    def on_x(self, m):\n        flip(m)\n",
        encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert not registry.problems, registry.problems
    assert "flip" in registry


def test_a_base_class_marked_abstract_is_no_type_and_its_subclasses_are(tmp_path: Path) -> None:
    # Before, `abstract = True` was inherited: every subclass of the base vanished, without a warning.
    (tmp_path / "family.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\n\nclass Base(Node):\n    '''Shared.'''\n\n"
        "    abstract = True\n    x = Input(ANY)\n\n    def on_x(self, m):\n        pass\n\n\n"
        "class Invert(Base):\n    '''Invert.'''\n",
        encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert not registry.problems, registry.problems
    assert "invert" in registry and "base" not in registry


def test_name_clash_is_reported(tmp_path: Path) -> None:
    (tmp_path / "clash.py").write_text(
        "from exsampling_patch import Node\nclass Log(Node):\n    '''Another log.'''\n    type_name = 'log'\n",
        encoding="utf-8",
    )
    registry = Registry.default([tmp_path], entry_points=False)
    assert registry.origins["log"] == "built-in"
    assert any("already defined" in p.error for p in registry.problems)


def test_a_name_clash_is_told_at_the_class_that_is_ignored(tmp_path: Path) -> None:
    # Before, two classes of one file taking one type name were both told as just the file; then the second alone
    # was told at its line, the first still as the file.
    (tmp_path / "two.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\n\nclass Flip(Node):\n    '''Flip.'''\n\n    x = Input(ANY)\n"
        "\n    def on_x(self, m):\n        pass\n\n\nclass Flop(Flip):\n    '''Flop.'''\n\n    type_name = 'flip'\n",
        encoding="utf-8",
    )
    registry = Registry.default([tmp_path], entry_points=False)
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'two.py'}:13: Flop: node type 'flip' is already defined by Flip at {tmp_path / 'two.py'}:4; "
        "this one is ignored (give it a type_name of its own)"]  # a patch's 'flip' is the first one


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    registry = Registry.default([tmp_path / "nope"], entry_points=False)
    assert any("does not exist" in p.error for p in registry.problems)


def test_a_missing_node_folder_names_the_folder_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, "node folder does not exist" alone: of `node_dirs: [my-nodes]` in patches/show.yaml (the folder is
    # beside patches/, the README's `../my-nodes`), and of a misspelt name.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my-nodes").mkdir()
    (tmp_path / "patches").mkdir()
    registry = Registry.default([tmp_path / "patches" / "my-nodes", tmp_path / "my-nodez", tmp_path / "elsewhere"],
                                entry_points=False)
    assert [p.error for p in registry.problems] == [
        f"node folder does not exist; did you mean {tmp_path / 'my-nodes'}? A patch's node_dirs are taken from its "
        "folder",
        f"node folder does not exist; did you mean {tmp_path / 'my-nodes'}?",
        "node folder does not exist",
    ]


def test_a_node_file_given_for_a_folder_is_told_as_such(tmp_path: Path) -> None:
    # Before, `--nodes my-nodes/reverse.py` said "node folder does not exist" of a file that does.
    (tmp_path / "reverse.py").write_text("", encoding="utf-8")
    registry = Registry.default([tmp_path / "reverse.py"], entry_points=False)
    told = [p.error for p in registry.problems]
    assert told == [f"is a file, not a folder of node files: name its folder, {tmp_path}"]


def test_closest_names() -> None:
    registry = Registry.default(entry_points=False)
    assert registry.closest("folder_sorce")[0] == "folder_source"
    assert "did you mean 'take_writer'" in registry.unknown_message("take_writr")


def test_two_node_folders_each_have_their_own_helper_of_one_name(tmp_path: Path) -> None:
    # Before, the second folder's `from _util import ...` got the first folder's _util (cached by its bare name):
    # its node failed to load (ImportError), or ran the other folder's code.
    for name, value in (("first", "one"), ("second", "two")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "_util.py").write_text(f"WHICH = {value!r}\n\n\ndef {name}_only():\n    return WHICH\n",
                                         encoding="utf-8")
        (folder / f"{name}.py").write_text(
            f"from _util import WHICH, {name}_only\n\nfrom exsampling_patch import ANY, Input, Node\n\n\n"
            f"class {name.title()}Node(Node):\n    '''Says which helper it got.'''\n\n    x = Input(ANY)\n"
            f"    which = WHICH\n\n    def on_x(self, m):\n        pass\n", encoding="utf-8")
    registry = Registry.default([tmp_path / "first", tmp_path / "second"], entry_points=False)
    assert registry.problems == []
    assert registry.get("first_node").which == "one"  # type: ignore[attr-defined]
    assert registry.get("second_node").which == "two"  # type: ignore[attr-defined]
    again = Registry.default([tmp_path / "second"], entry_points=False)  # the editor builds registries anew
    assert again.problems == [] and again.get("second_node").which == "two"  # type: ignore[attr-defined]


def test_a_class_with_ports_that_is_no_node_is_told_at_its_line(tmp_path: Path) -> None:
    # Before, `class Reverse:` (the base class forgotten) loaded without a word: `exsampling nodes` did not list it,
    # and `check` said "unknown node type 'reverse'" with nothing about the file that meant to define it.
    (tmp_path / "reverse.py").write_text(
        "from exsampling_patch import TAKE, Input, Node, Output\n\n\nclass Helper:\n    size = 3\n\n\n"
        "class Reverse:\n    '''Play a take backwards.'''\n\n    take = Input(TAKE)\n    out = Output(TAKE)\n",
        encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    told = [str(p) for p in registry.problems]
    assert told == [f"{tmp_path / 'reverse.py'}:8: Reverse declares ports or parameters but does not subclass Node "
                    "(write class Reverse(Node):); it is not loaded"]
    assert f"not loaded: {told[0]}" in registry.unknown_hint("reverse")


def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, entry_point: str, source: str) -> None:
    """Package ``name`` 0.1 installed in ``tmp_path`` (on sys.path, not imported yet): its module ``name``.py holds
    ``source``, and its entry point ``entry_point`` ("type = module:attribute") adds node types."""
    dist = tmp_path / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[exsampling_patch.nodes]\n{entry_point}\n", encoding="utf-8")
    (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)


def test_an_entry_point_naming_a_misspelt_class_says_which_was_meant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, "AttributeError: module 'gainplug' has no attribute 'Gian'" and no more: the class is one letter away.
    installed_plugin(tmp_path, monkeypatch, "gainplug", "gain = gainplug:Gian",
                     "from exsampling_patch import ANY, Input, Node\n\n\nclass Gain(Node):\n    '''Gain.'''\n\n"
                     "    x = Input(ANY)\n\n    def on_x(self, m):\n        pass\n")
    registry = Registry.default()
    told = [str(p) for p in registry.problems if p.origin.startswith("entry point gain ")]
    assert told == ["entry point gain (gainplug:Gian) of package gainplug 0.1: "
                    "AttributeError: module 'gainplug' has no attribute 'Gian'; "
                    "did you mean 'Gain'?"]


def test_two_entry_points_of_one_type_name_name_both_packages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, "entry point gain (plugb:Gain): Gain: node type 'gain' is already defined by entry point gain
    # (pluga:Gain)": the developer with both installed was not told which two packages clash.
    source = ("from exsampling_patch import ANY, Input, Node\n\n\nclass Gain(Node):\n    \"\"\"Gain.\"\"\"\n\n"
              "    x = Input(ANY)\n\n    def on_x(self, m):\n        pass\n")
    for name in ("pluga", "plugb"):
        (tmp_path / name).mkdir()
        installed_plugin(tmp_path / name, monkeypatch, name, f"gain = {name}:Gain", source)
    registry = Registry.default()
    told = [str(p) for p in registry.problems if "pluga" in str(p) or "plugb" in str(p)]
    assert len(told) == 1, told
    ignored, first = ("plugb", "pluga") if told[0].startswith("entry point gain (plugb") else ("pluga", "plugb")
    assert told == [f"entry point gain ({ignored}:Gain) of package {ignored} 0.1: Gain: node type 'gain' is already "
                    f"defined by entry point gain ({first}:Gain) of package {first} 0.1; this one is ignored (give it "
                    f"a type_name of its own) (at {tmp_path / ignored / ignored}.py:4)"]
    assert registry.origins["gain"] == f"entry point gain ({first}:Gain)"  # `nodes` shows it as before


def test_a_relative_import_in_a_node_file_says_to_import_by_name(tmp_path: Path) -> None:
    # Before, "ModuleNotFoundError: No module named 'exsampling_user_nodes'": the loader's own package name, which
    # the newcomer who made the folder a package (an __init__.py) had never written.
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "_dsp.py").write_text("def rev(x):\n    return x[::-1]\n", encoding="utf-8")
    (tmp_path / "rev.py").write_text("import math\nfrom ._dsp import rev\n", encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'rev.py'}:2: ImportError: a node file's relative import (from . import ...) finds nothing: "
        "import the folder's helpers by name (from _dsp import ...)"]


def test_an_unknown_type_whose_file_is_in_a_sub_folder_says_so(tmp_path: Path) -> None:
    # Before, my-nodes/effects/echo.py was skipped without a word and the patch's 'echo' was only "unknown".
    (tmp_path / "effects").mkdir()
    (tmp_path / "effects" / "echo.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\n\nclass Echo(Node):\n    '''Echo.'''\n\n    x = Input(ANY)\n"
        "\n    def on_x(self, m):\n        pass\n", encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert registry.problems == [] and "echo" not in registry
    assert registry.unknown_hint("echo") == (
        f"not read: {tmp_path / 'effects' / 'echo.py'} is in a sub-folder; node files are read from the folder "
        f"itself: add --nodes {tmp_path / 'effects'} (or the folder to node_dirs)")


def test_an_unknown_type_defined_in_a_package_s_init_says_that_file_is_skipped(tmp_path: Path) -> None:
    # Before, `--nodes exs-echo/exs_echo` (or its project's folder) read nothing without a word, and the hint said to
    # give the folder with --nodes, as it had been.
    project = tmp_path / "exs-echo"
    (project / "exs_echo").mkdir(parents=True)
    init = project / "exs_echo" / "__init__.py"
    init.write_text("from exsampling_patch import ANY, Input, Node\n\n\nclass Echo(Node):\n    '''Echo.'''\n\n"
                    "    x = Input(ANY)\n\n    def on_x(self, m):\n        pass\n", encoding="utf-8")
    (project / "pyproject.toml").write_text('[project.entry-points."exsampling_patch.nodes"]\necho = "exs_echo:Echo"\n',
                                            encoding="utf-8")
    skipped = (f"not read: {init} is a package's __init__.py, which a node folder skips (files starting with _ are "
               "helpers): ")
    for folder in (project / "exs_echo", project):
        registry = Registry.default([folder], entry_points=False)
        assert registry.problems == [] and "echo" not in registry
        assert registry.unknown_hint("echo") == (
            f"{skipped}install its package, which declares entry points ({sys.executable} -m pip install {project})")
    (project / "pyproject.toml").unlink()
    registry = Registry.default([project / "exs_echo"], entry_points=False)
    assert registry.unknown_hint("echo") == (
        f"{skipped}put the class in a file of its own ({project / 'exs_echo' / 'echo.py'})")
    assert "not read" not in registry.unknown_hint("reverb")


def test_a_node_file_that_defines_no_node_type_is_told_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a helper module (or a test file) among the node files was imported as one without a word.
    (tmp_path / "dsp.py").write_text("def reverse(samples):\n    return samples[::-1]\n", encoding="utf-8")
    (tmp_path / "_shared.py").write_text("SIZE = 3\n", encoding="utf-8")
    (tmp_path / "rev.py").write_text(
        "from dsp import reverse\n\nfrom exsampling_patch import ANY, Input, Node\n\n\nclass Rev(Node):\n"
        "    '''Reverses.'''\n\n    x = Input(ANY)\n\n    def on_x(self, m):\n        reverse(m)\n", encoding="utf-8")
    told = (f"{tmp_path / 'dsp.py'}: defines no node type (no subclass of Node); a helper of the node files is named "
            "with a leading '_' (_dsp.py), which is not read as a node file")
    registry = Registry.default([tmp_path], entry_points=False)
    assert [str(p) for p in registry.problems] == [told]
    assert "rev" in registry
    assert main(["nodes", "--nodes", str(tmp_path)]) == 0
    assert capsys.readouterr().err.count(f"warning: plugin {told}\n") == 1


def test_a_node_file_that_imports_a_node_type_from_a_package_loads_it(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, `from mypkg.nodes import Foo` alone in a node file loaded nothing: "defines no node type".
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "shimmed_nodes.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\n\nclass Foo(Node):\n    '''Foo.'''\n\n    x = Input(ANY)\n"
        "\n    def on_x(self, m):\n        pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    monkeypatch.delitem(sys.modules, "shimmed_nodes", raising=False)
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "foo.py").write_text("from shimmed_nodes import Foo\n", encoding="utf-8")
    # The same from a helper of the folder (not read as a node file itself).
    (tmp_path / "nodes" / "_shim_impl.py").write_text(
        (tmp_path / "lib" / "shimmed_nodes.py").read_text(encoding="utf-8").replace("Foo", "Bar"), encoding="utf-8")
    (tmp_path / "nodes" / "bar.py").write_text("from _shim_impl import Bar\n", encoding="utf-8")
    registry = Registry.default([tmp_path / "nodes"], entry_points=False)
    assert registry.problems == []
    assert registry.origins["foo"] == str(tmp_path / "nodes" / "foo.py")
    assert registry.get("foo").__module__ == "shimmed_nodes"
    assert registry.origins["bar"] == str(tmp_path / "nodes" / "bar.py")


def test_a_test_file_beside_the_node_files_says_where_its_node_type_is(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The node file revt.py loads Rev; the test file that imports it is told, naming the module Rev comes from.
    monkeypatch.delitem(sys.modules, "revt", raising=False)  # imported by name: this test's file, not a cached one
    (tmp_path / "revt.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\n\nclass Revt(Node):\n    '''Rev.'''\n\n    x = Input(ANY)\n"
        "\n    def on_x(self, m):\n        pass\n", encoding="utf-8")
    (tmp_path / "test_revt.py").write_text("from revt import Revt\n\n\ndef test_revt():\n    Revt()\n",
                                           encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'test_revt.py'}: defines no node type (Revt is imported from revt); a helper of the node files "
        "is named with a leading '_' (_test_revt.py), which is not read as a node file"]
    assert registry.origins["revt"] == str(tmp_path / "revt.py")


def test_a_node_file_gets_the_same_module_name_in_every_run(tmp_path: Path) -> None:
    # Before, the name came from hash() of the path, which changes with each process: `nodes --json` told a new
    # "module" at each start.
    (tmp_path / "rev.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\n\nclass Rev(Node):\n    '''Rev.'''\n\n    x = Input(ANY)\n"
        "\n    def on_x(self, m):\n        pass\n", encoding="utf-8")
    script = ("import sys\nfrom exsampling_patch.registry import Registry\nregistry = Registry()\n"
              "registry.load_folder(sys.argv[1])\nprint(registry.get('rev').__module__)\n")
    names = {subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(names) == 1 and names.pop().startswith("exsampling_user_nodes.rev_")


def test_an_unknown_type_counts_each_plugin_that_did_not_load_once(tmp_path: Path) -> None:
    # Before, problems were counted, not plugins, and import failures alone: a type refused for a mistake (echo.py)
    # went uncounted though a 'warning: plugin' line names it, and loose.py's three classes were three plugins.
    (tmp_path / "echo.py").write_text(
        "from exsampling_patch import ANY, Input, Node\n\n\nclass Echo(Node):\n    '''Echo.'''\n\n    x = Input(ANY)\n",
        encoding="utf-8")
    (tmp_path / "loose.py").write_text(
        "from exsampling_patch import ANY, Input\n\n\nclass A:\n    x = Input(ANY)\n\n\nclass B:\n    x = Input(ANY)\n"
        "\n\nclass C:\n    x = Input(ANY)\n", encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert len(registry.problems) == 4, registry.problems
    assert registry.unknown_hint("granulator") == "2 plugins did not load: a 'warning: plugin' line names each"


NODE = ("from exsampling_patch import ANY, Input, Node\n\n\nclass {cls}(Node):\n    '''{cls}.'''\n{name}\n"
        "    x = Input(ANY)\n\n    def on_x(self, m):\n        pass\n")


def two_plugins_one_type(folder: Path) -> None:
    """``folder``'s first.py defines 'knock'; second.py 'knock' again (ignored) and 'tap', which loads."""
    (folder / "first.py").write_text(NODE.format(cls="Knock", name=""), encoding="utf-8")
    (folder / "second.py").write_text(NODE.format(cls="Knock2", name="    type_name = 'knock'\n")
                                      + "\n\n" + NODE.format(cls="Tap", name="").split("\n\n\n", 1)[1],
                                      encoding="utf-8")


def test_a_plugin_that_loaded_its_other_types_is_not_counted_as_not_loaded(tmp_path: Path) -> None:
    # Before, "1 plugin did not load": second.py, whose only problem is a type already defined, loaded 'tap'.
    two_plugins_one_type(tmp_path)
    registry = Registry.default([tmp_path], entry_points=False)
    assert "tap" in registry and [p.error.split(":")[0] for p in registry.problems] == ["Knock2"]
    assert "did not load" not in registry.unknown_hint("granulator")


def test_check_counts_a_plugin_that_loaded_in_part_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, "ok, but 1 plugin did not load": problems were counted, and second.py loaded 'tap'.
    (tmp_path / "my-nodes").mkdir()
    two_plugins_one_type(tmp_path / "my-nodes")
    (tmp_path / "my-nodes" / "broken.py").write_text("from exsampling_patch import TAEK\n", encoding="utf-8")
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs: [my-nodes]\nnodes:\n- id: a\n  type: tap\nlinks: []\n",
                     encoding="utf-8")
    assert main(["check", str(patch)]) == 0
    assert f"{patch}: ok, but 1 plugin did not load, and 1 plugin loaded in part\n" in capsys.readouterr().err


def test_an_entry_point_that_failed_with_a_type_refused_in_it_is_one_plugin(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, "2 plugins did not load": its import failure (told as the entry point) and its type refused for a
    # mistake (told at the type's file) were counted apart.
    installed_plugin(tmp_path, monkeypatch, "listplug", "knock = listplug:NODES",
                     "from exsampling_patch import ANY, Input, Node\n\n\nclass Knock(Node):\n    '''Knock.'''\n\n"
                     "    x = Input(ANY)\n\n\nNODES = [Knock, 3]\n")
    registry = Registry.default()
    assert len([p for p in registry.problems if "listplug" in p.origin]) == 2, registry.problems
    assert registry.unknown_hint("granulator") == "1 plugin did not load: a 'warning: plugin' line names it"
