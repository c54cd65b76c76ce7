"""Mistakes in a node type's code are reported when the type is registered, with the file and line, not at
its first message; takes are read-only, so no node changes a take that another branch shares."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import Node
from exsampling_patch.node_checks import type_problems
from exsampling_patch.registry import Registry

MISSPELT_HANDLER = '''from exsampling_patch import TAKE, Input, Node, Output


class Echo(Node):
    """Pass takes on."""

    take = Input(TAKE, "in")
    out = Output(TAKE, "out")

    def on_tkae(self, take):
        self.emit("out", take)
'''

UNKNOWN_OUTPUT = '''from exsampling_patch import TAKE, Input, Node, Output


class Echo2(Node):
    """Pass takes on."""

    take = Input(TAKE, "in")
    out = Output(TAKE, "out")

    def on_take(self, take):
        if take.frames:
            self.emit("outt", take)
'''


def load(tmp_path: Path, source: str) -> Registry:
    (tmp_path / "mine.py").write_text(source, encoding="utf-8")
    return Registry.default([tmp_path], entry_points=False)


def test_an_input_without_its_handler_is_reported_at_load_with_file_and_line(tmp_path: Path) -> None:
    registry = load(tmp_path, MISSPELT_HANDLER)
    assert "echo" not in registry
    (problem,) = registry.problems
    assert problem.origin == f"{tmp_path / 'mine.py'}:7"  # the line declaring the input
    assert "input 'take' has no handler on_take (on_tkae looks misspelt)" in problem.error


@pytest.mark.parametrize("method", ["process", "__call__", "handle_take"])
def test_a_handler_named_as_other_frameworks_name_it_says_which_name_is_called(tmp_path: Path, method: str) -> None:
    # Before, "input 'take' has no handler on_take" alone: a process() written as elsewhere looked ignored for nothing.
    registry = load(tmp_path, MISSPELT_HANDLER.replace("def on_tkae(", f"def {method}("))
    (problem,) = registry.problems
    assert f"input 'take' has no handler on_take (its {method}() is never called: the runtime calls " \
           "on_take(self, message) for each message on 'take')" in problem.error


def test_an_emit_to_an_unknown_output_is_reported_at_load_with_file_and_line(tmp_path: Path) -> None:
    registry = load(tmp_path, UNKNOWN_OUTPUT)
    assert "echo2" not in registry
    (problem,) = registry.problems
    assert problem.origin == f"{tmp_path / 'mine.py'}:12"  # the emit call
    assert "emit to unknown output 'outt'; did you mean 'out'?" in problem.error


def test_a_port_written_as_its_type_alone_is_told_at_load_with_the_port_to_declare(tmp_path: Path) -> None:
    # Before, `take = TAKE` beside on_take loaded a type with no input, without a word: the patch's link to it was
    # refused ("'s' (sink) has no input 'take'; its inputs: none"), nothing said of the class or its line.
    registry = load(tmp_path, MISSPELT_HANDLER.replace('Input(TAKE, "in")', "TAKE").replace("on_tkae", "on_take")
                    .replace('Output(TAKE, "out")', "TAKE"))
    assert "echo" not in registry
    told = [str(p) for p in registry.problems]
    assert told == [f"{tmp_path / 'mine.py'}:7: Echo: 'take = TAKE' is a port's type, not a port: declare it as "
                    'take = Input(TAKE, "..."); node type \'echo\' is not loaded',
                    f"{tmp_path / 'mine.py'}:11: Echo: emit to unknown output 'out' ('out = TAKE' is a port's type, "
                    'not a port: declare it as out = Output(TAKE, "...")); node type \'echo\' is not loaded'], told


def test_a_correct_node_and_one_routing_its_own_inputs_load(tmp_path: Path) -> None:
    source = UNKNOWN_OUTPUT.replace('"outt"', '"out"') + '''

class Router(Node):
    """Routes every input itself."""

    a = Input(TAKE, "a")
    b = Input(TAKE, "b")

    def handle(self, port, message):
        pass
'''
    registry = load(tmp_path, source)
    assert not registry.problems, registry.problems
    assert "echo2" in registry and "router" in registry


def test_every_built_in_node_type_passes_the_checks() -> None:
    registry = Registry.default(entry_points=False)
    assert [str(p) for node_type in registry for p in type_problems(node_type)] == []


def test_a_type_registered_directly_is_checked() -> None:
    from exsampling_patch import TAKE, Input

    class Local(Node):
        """Defined in a test."""

        take = Input(TAKE, "in")

    registry = Registry()
    registry.register(Local)
    assert "local" not in registry
    assert registry.problems[0].origin.startswith(f"{__file__}:")


def test_take_samples_are_read_only() -> None:
    audio = np.zeros((8, 1), dtype=np.float32)
    take = Take(audio, 8000)
    with pytest.raises(ValueError, match="read-only"):
        take.samples[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        take.samples *= 2.0  # type: ignore[misc]  # read-only on purpose
    assert not take.derive(np.ones(4, dtype=np.float32)).samples.flags.writeable
    audio[0, 0] = 0.5  # the array the take was made from is the caller's own, still writable
    assert take.samples.copy().flags.writeable


def test_a_default_that_does_not_fit_its_parameter_is_reported_at_load_with_file_and_line(tmp_path: Path) -> None:
    # Before, check passed a patch using the type and every node built of it failed ("must be float").
    source = '''from exsampling_patch import TAKE, Input, Node, Output, Param


class Louder(Node):
    """Pass takes on."""

    take = Input(TAKE, "in")
    out = Output(TAKE, "out")
    amount = Param(float, "0.5", "how much")
    count = Param(int, 0, "how many", minimum=1)
    path = Param("path", None, "a file every patch names", required=True)

    def on_take(self, take):
        self.emit("out", take)
'''
    registry = load(tmp_path, source)
    assert "louder" not in registry
    mine = tmp_path / "mine.py"
    assert [(p.origin, p.error.split("; node type")[0]) for p in registry.problems] == [
        (f"{mine}:9", "Louder: the default does not fit: parameter 'amount' must be a number, got the text "
         "'0.5'"),
        (f"{mine}:10", "Louder: the default does not fit: parameter 'count' is 0, below its minimum 1"),
    ]


def test_a_handler_without_its_message_and_an_instance_check_params_are_reported_at_load(tmp_path: Path) -> None:
    # Before, both failed only when used: on_take() "takes 1 positional argument but 2 were given" at the first
    # take, with no line of the plugin; check_params "missing 1 required positional argument" at every check.
    source = '''from exsampling_patch import TAKE, Input, Node, Output


class Echo3(Node):
    """Pass takes on."""

    take = Input(TAKE, "in")
    out = Output(TAKE, "out")

    def on_take(self):
        pass

    def check_params(cls, params):
        return {}

    def check_warnings(cls, params):
        return {}
'''
    registry = load(tmp_path, source)
    assert "echo3" not in registry
    mine = tmp_path / "mine.py"
    assert [(p.origin, p.error.split("; node type")[0]) for p in registry.problems] == [
        (f"{mine}:10", "Echo3: on_take must take the message: def on_take(self, message)"),
        (f"{mine}:13", "Echo3: check_params must be a @classmethod: def check_params(cls, params)"),
        (f"{mine}:16", "Echo3: check_warnings must be a @classmethod: def check_warnings(cls, params)"),
    ]


def test_an_init_that_cannot_take_what_the_runtime_passes_is_reported_at_load(tmp_path: Path) -> None:
    # Before, "__init__() takes 3 positional arguments but 4 were given" came when the show started, with no line.
    source = '''from exsampling_patch import TAKE, Input, Node


class Echo4(Node):
    """Pass takes on."""

    take = Input(TAKE, "in")

    def __init__(self, node_id, params):
        super().__init__(node_id, params)

    def on_take(self, take):
        pass


class Echo5(Echo4):
    """Takes whatever it is given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args[:2])
'''
    registry = load(tmp_path, source)
    assert "echo4" not in registry and "echo5" in registry
    assert [(p.origin, p.error.split("; node type")[0]) for p in registry.problems] == [
        (f"{tmp_path / 'mine.py'}:9", "Echo4: __init__ must take what the runtime passes, and pass it on: "
                                      "(self, node_id, params, context)")]


PORT_HIDDEN = '''from exsampling_patch import TAKE, Input, Node, Output, Param


class Louder(Node):
    """Make takes louder."""

    take = Input(TAKE, "in")
    out = Output(TAKE, "out")
    take = Param(float, 1.0, "how much louder")

    def on_take(self, take):
        self.emit("out", take)
'''


def test_a_port_declared_again_under_its_name_is_told_at_both_lines(tmp_path: Path) -> None:
    # Before, the parameter silently took the input's place: the type loaded without its input, and a link to
    # louder.take was refused in the patch with "has no input 'take'", nothing said of the class.
    registry = load(tmp_path, PORT_HIDDEN)
    assert "louder" not in registry
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'mine.py'}:9: Louder: 'take' is declared at line 7 and again here, which hides it (ports and "
        "parameters share one namespace: give each a name of its own); node type 'louder' is not loaded"]


NO_SUPER_INIT = '''from exsampling_patch import TAKE, Input, Node


class Counts(Node):
    """Count takes."""

    take = Input(TAKE, "in")

    def __init__(self, node_id, params=None, context=None):
        self.count = 0

    def on_take(self, take):
        self.count += 1
'''


def test_an_init_that_does_not_call_the_base_init_is_told_at_load(tmp_path: Path) -> None:
    # Before, check passed it and the run told it only when the node was built (test_plugin_mistakes.py).
    registry = load(tmp_path, NO_SUPER_INIT)
    assert "counts" not in registry
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'mine.py'}:9: Counts: __init__ does not call super().__init__(node_id, params, context); "
        "node type 'counts' is not loaded"]


@pytest.mark.parametrize(("written", "name"), [("5", "5"), ("'  '", "  ")])
def test_a_type_name_that_is_no_name_is_told_at_load(tmp_path: Path, written: str, name: str) -> None:
    # Before, type_name = 5 loaded, and `exsampling nodes` then ended in a TypeError traceback (sorting 5 among the
    # names); a blank one loaded as a type no patch could name readably.
    registry = load(tmp_path, "from exsampling_patch import ANY, Input, Node\n\n\nclass Odd(Node):\n    '''Odd.'''\n\n"
                              f"    type_name = {written}\n    x = Input(ANY)\n\n"
                              "    def on_x(self, m):\n        pass\n")
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'mine.py'}:7: Odd: type_name must be a name (letters, digits, '_'), not {written}; "
        f"node type '{name}' is not loaded"]
    assert len(registry.describe()) == len(Registry.default(entry_points=False).describe())


def test_a_family_that_is_no_name_is_told_at_load(tmp_path: Path) -> None:
    # Before, family = None loaded, and `exsampling nodes` and the editor's palette then ended in a TypeError
    # traceback (sorting None among the families' names).
    registry = load(tmp_path, "from exsampling_patch import ANY, Input, Node\n\n\nclass Odd(Node):\n    '''Odd.'''\n\n"
                              "    family = None\n    x = Input(ANY)\n\n    def on_x(self, m):\n        pass\n")
    assert [str(p) for p in registry.problems] == [
        f"{tmp_path / 'mine.py'}:7: Odd: family must be a name (the palette's group: 'processing', ...), not None; "
        "node type 'odd' is not loaded"]
    assert len(registry.describe()) == len(Registry.default(entry_points=False).describe())


@pytest.mark.parametrize(("written", "said"), [("' padded '", "'padded'"), ("'two\\nlines'", "'two lines'")])
def test_a_type_name_a_patch_cannot_write_is_told_at_load(tmp_path: Path, written: str, said: str) -> None:
    # Before, type_name = ' padded ' loaded, and a patch's `type: padded` was an unknown type ("did you mean
    # ' padded '?"). Spaces inside, dots and '->' a patch's type holds as they are.
    registry = load(tmp_path, "from exsampling_patch import ANY, Input, Node\n\n\nclass Odd(Node):\n    '''Odd.'''\n\n"
                              f"    type_name = {written}\n    x = Input(ANY)\n\n    def on_x(self, m):\n"
                              "        pass\n")
    (problem,) = registry.problems
    assert str(problem).startswith(f"{tmp_path / 'mine.py'}:7: Odd: type_name {written} cannot be written as a "
                                   f"patch's type (a space at either end, a line break or a tab): say {said}; ")
    assert str(problem).endswith("is not loaded")
