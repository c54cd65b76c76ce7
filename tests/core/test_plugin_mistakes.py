"""A newcomer's mistakes in a node type that only show when the patch runs: each is told on its node, with where,
and the rest of the patch goes on."""

from __future__ import annotations

import inspect
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch import ANY, MIDI, Input, Node, Output, Param
from exsampling_patch.cli import main
from exsampling_patch.param_checks import patch_warnings
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError
from exsampling_patch.runtime.parts import error_text
from exsampling_patch.validate import check_patch
from tests.core.engine_nodes import all_sent, engine_registry


class NoSuperInit(Node):
    """Sets up its own state but skips ``super().__init__`` when no parameter is given (an __init__ that never
    calls it is refused at load: test_node_checks.py)."""

    type_name = "no_super_init"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def __init__(self, node_id: str, params: Any = None, context: Any = None) -> None:
        self.seen = 0
        if params:
            super().__init__(node_id, params, context)

    def on_inlet(self, message: Any) -> None:
        self.emit("outlet", message)


def run_between(node_type: type[Node], node_id: str, count: int) -> tuple[list[Any], list[NodeError]]:
    """Run counter (0 .. ``count`` - 1) -> a ``node_type`` node ``node_id`` -> sink until idle: what the sink got,
    and the errors told."""
    registry: Registry = engine_registry()
    registry.register(node_type, "test")
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": count}))
    patch.add_node(NodeSpec(node_id, node_type.type_name))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("src.out", f"{node_id}.inlet")
    patch.connect(f"{node_id}.outlet", "sink.inlet")
    errors: list[NodeError] = []
    engine = Engine(registry, workers=2)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
    received = engine.node("sink").received  # type: ignore[attr-defined]
    engine.stop()
    return received, errors


def test_an_init_without_super_is_told_and_the_patch_goes_on() -> None:
    # Before, the node was built as it was: the worker that took up its first message raised on its missing
    # node_id, outside any handler, and died with a bare traceback; the takes queued at it were stuck.
    received, errors = run_between(NoSuperInit, "mine", 6)
    assert received == [0, 1, 2, 3, 4, 5]  # bypassed, as a node whose constructor raised
    (error,) = errors
    assert error.node_id == "mine" and error.during == "__init__"
    assert "NoSuperInit.__init__ did not call super().__init__(node_id, params, context)" in error.error
    line = inspect.getsourcelines(NoSuperInit.__init__)[1]
    assert error.where == f"{__file__}:{line} in __init__"


class Blocks(Node):
    """Waits in its handler until told: a plugin's handler stuck on a lock or a device."""

    type_name = "blocks"
    hang_after = 0.2
    inlet = Input(ANY)
    outlet = Output(ANY)

    def start(self) -> None:
        self.release = threading.Event()

    def on_inlet(self, message: Any) -> None:
        self.release.wait(10)  # the line a hung report names
        self.emit("outlet", message)


def test_a_hung_handler_is_told_with_the_line_it_waits_on() -> None:
    # Before, the console said "hung: its handler on 'inlet' has run 0.2 s ..." and nothing of where it was stuck.
    registry = engine_registry()
    registry.register(Blocks, "test")
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 1}))
    patch.add_node(NodeSpec("stuck", "blocks"))
    patch.connect("src.out", "stuck.inlet")
    errors: list[NodeError] = []
    engine = Engine(registry, workers=2)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    try:
        deadline = time.monotonic() + 5
        while not errors and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        engine.node("stuck").release.set()  # type: ignore[attr-defined]
        engine.stop()
    (error,) = errors
    assert error.node_id == "stuck" and error.error.startswith("hung: its handler on 'inlet'")
    line = next(n for n, text in enumerate(inspect.getsourcelines(Blocks)[0], inspect.getsourcelines(Blocks)[1])
                if "self.release.wait(10)" in text)
    assert error.where == f"{__file__}:{line} in on_inlet"


class HeldUp(Node):
    """Waits in its handler until the test lets it go (a class-wide event: `exsampling run` builds its own node)."""

    type_name = "held_up"
    release = threading.Event()
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        type(self).release.wait(10)  # the line the stop names


def test_a_handler_still_running_at_the_stop_is_named_with_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, a run stopped before the handler counted as hung said only "(some work did not finish in time)".
    (tmp_path / "my-nodes").mkdir()
    (tmp_path / "my-nodes" / "held.py").write_text(
        "from tests.core.engine_nodes import Counter\nfrom tests.core.test_plugin_mistakes import HeldUp\n\n\n"
        "class Count(Counter):\n    '''Counts.'''\n\n    type_name = 'count_up'\n\n\n"
        "class Held(HeldUp):\n    '''Waits.'''\n\n    type_name = 'held'\n", encoding="utf-8")
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs: [my-nodes]\nnodes:\n- id: src\n  type: count_up\n"
                     "  params: {count: 1}\n- id: stuck\n  type: held\nlinks:\n- src.out -> stuck.inlet\n",
                     encoding="utf-8")
    HeldUp.release.clear()
    try:
        assert main(["run", str(patch), "--for", "0.2", "--log", "-", "--show-log", "none"]) == 0
    finally:
        HeldUp.release.set()
    err = capsys.readouterr().err
    line = next(n for n, text in enumerate(inspect.getsourcelines(HeldUp)[0], inspect.getsourcelines(HeldUp)[1])
                if "release.wait(10)" in text)
    assert (f"(some work did not finish in time, 1 handler still running: 'stuck' on 'inlet' at {__file__}:{line} "
            "in on_inlet)") in err, err


class Fussy(Node):
    """A node type's own checks gone wrong: ``mood`` picks how."""

    type_name = "fussy"
    inlet = Input(ANY)
    mood = Param(str, "quiet", "what check_params does")

    @classmethod
    def check_params(cls, params: Any) -> Any:
        if params["mood"] == "list":
            return [params["mood"]]  # a list, not a dict
        if params["mood"] == "raise":
            return {"mood": params["mode"]}  # a misspelt key: KeyError
        if params["mood"] == "bad":
            return {"mood": "not that"}
        return None  # fell off the end: nothing found

    def on_inlet(self, message: Any) -> None:
        pass


def test_a_node_types_check_params_gone_wrong_is_told_where_and_check_goes_on() -> None:
    # Before, a check_params that returned a list (or fell off its end: None) ended `exsampling check`, `run` and
    # the editor in an AttributeError traceback; one that raised was told without the line that raised.
    registry = Registry.default(entry_points=False)
    registry.register(Fussy, "test")
    patch = Patch()
    for mood in ("quiet", "list", "raise", "bad"):
        patch.add_node(NodeSpec(mood, "fussy", {"mood": mood}))
    told = [p.message for p in check_patch(patch, registry)]
    source, first = inspect.getsourcelines(Fussy.check_params)
    defined = next(n for n, text in enumerate(source, first) if "def check_params" in text)
    raised = next(n for n, text in enumerate(source, first) if "a misspelt key" in text)
    assert told == [
        f"node 'list': fussy.check_params returned a list, not a dict of {{parameter: problem}} (at {__file__}:"
        f"{defined} in check_params)",
        f"node 'raise': fussy.check_params raised KeyError: 'mode' (at {__file__}:{raised} in check_params)",
        "node 'bad': parameter 'mood': not that",
    ]


class Plays(Node):
    """Says what it plays over MIDI, and fails at it."""

    type_name = "plays"
    midi = Output(MIDI)

    @classmethod
    def midi_parts(cls, params: Any) -> Any:
        return {"HH": params["slot"]}  # no such parameter: KeyError


class Takes(Node):
    """Plays slots from MIDI, and fails to say which."""

    type_name = "takes"
    midi = Input(MIDI)

    @classmethod
    def note_slots(cls, params: Any) -> Any:
        raise LookupError("no table")

    def on_midi(self, message: Any) -> None:
        pass


def test_a_node_types_midi_hook_that_raises_is_told_and_check_goes_on() -> None:
    # Before, a midi_parts that raised (KeyError, not the ValueError of a refused value) ended `exsampling check`,
    # `run` and the editor in a traceback.
    registry = Registry.default(entry_points=False)
    registry.register(Plays, "test")
    patch = Patch()
    patch.add_node(NodeSpec("p", "plays"))
    patch.add_node(NodeSpec("s", "sampler", {"device": "none", "virtual_port": ""}))
    patch.connect("p.midi", "s.midi")
    raised = next(n for n, text in enumerate(*inspect.getsourcelines(Plays)) if "KeyError" in text)
    assert [p.message for p in check_patch(patch, registry)] == [
        f"node 'p': plays.midi_parts raised KeyError: 'slot' (at {__file__}:{raised} in midi_parts)"]
    registry = engine_registry()
    registry.register(Takes, "test")
    patch = Patch()
    patch.add_node(NodeSpec("g", "pattern", {"patterns": {"HH": "x..."}}))
    patch.add_node(NodeSpec("t", "takes"))
    patch.connect("g.midi", "t.midi")
    raised = next(n for n, text in enumerate(*inspect.getsourcelines(Takes)) if "no table" in text)
    assert [p.message for p in check_patch(patch, registry)] == [
        f"node 't': takes.note_slots raised LookupError: no table (at {__file__}:{raised} in note_slots)"]


class ByChannel(Takes):
    """Picks the slot by the channel, and fails to say which: a warning, as what it checks is."""

    type_name = "by_channel"

    @classmethod
    def note_slots(cls, params: Any) -> Any:
        return None

    @classmethod
    def channel_slots(cls, params: Any) -> Any:
        return params["slot_names"]  # no such parameter: KeyError


def test_a_channel_slots_that_raises_is_a_warning() -> None:
    registry = engine_registry()
    registry.register(ByChannel, "test")
    patch = Patch()
    patch.add_node(NodeSpec("g", "pattern", {"patterns": {"HH": "x..."}}))
    patch.add_node(NodeSpec("t", "by_channel"))
    patch.connect("g.midi", "t.midi")
    assert check_patch(patch, registry) == []  # it runs
    raised = next(n for n, text in enumerate(*inspect.getsourcelines(ByChannel)) if "KeyError" in text)
    assert [p.message for p in patch_warnings(patch, registry, SourceMap())] == [
        f"node 't': by_channel.channel_slots raised KeyError: 'slot_names' (at {__file__}:{raised} in channel_slots)"]


class Quits(Node):
    """Ends its handler as a script ends: sys.exit(), or a KeyboardInterrupt of its own."""

    type_name = "quits_handling"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def on_inlet(self, message: Any) -> None:
        if message % 2:
            raise KeyboardInterrupt
        sys.exit(f"no {message}")


def test_a_handler_that_quits_is_told_and_the_patch_goes_on() -> None:
    # Before, sys.exit() in a handler ended the worker thread without a word (a KeyboardInterrupt with a bare
    # traceback): two such messages and no worker was left, and nothing flowed any more.
    received, errors = run_between(Quits, "q", 6)
    assert received == [0, 1, 2, 3, 4, 5]  # each bypassed
    # An error without a message (a bare `assert` too) is its type alone: "KeyboardInterrupt: " said there was more
    assert [e.error for e in errors] == ["SystemExit: no 0", "KeyboardInterrupt", "SystemExit: no 2",
                                         "KeyboardInterrupt", "SystemExit: no 4", "KeyboardInterrupt"]
    lines = {n for n, text in enumerate(*inspect.getsourcelines(Quits))
             if "raise KeyboardInterrupt" in text or "sys.exit(f" in text}
    assert {e.where for e in errors} == {f"{__file__}:{n} in on_inlet" for n in lines}


class Returns(Node):
    """Returns the changed message instead of emitting it: a newcomer's function style."""

    type_name = "returns"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def on_inlet(self, message: Any) -> Any:
        return message * 10


def test_a_handler_that_returns_its_message_is_told_and_the_message_goes_on() -> None:
    # Before, the returned message went nowhere without a word: what reached the handler ended there, as done.
    received, errors = run_between(Returns, "r", 3)
    assert received == [0, 1, 2]  # bypassed, as a handler that raises
    line = Returns.on_inlet.__code__.co_firstlineno
    assert [(e.error, e.where) for e in errors] == [
        ("on_inlet returned an int, which goes nowhere: send it on with self.emit('outlet', ...)",
         f"{__file__}:{line} in on_inlet")] * 3


class EmitsAndReturns(Node):
    """Emits what it makes and returns it too: the return is the mistake, what it sent went on."""

    type_name = "emits_and_returns"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def on_inlet(self, message: Any) -> Any:
        self.emit("outlet", message * 10)
        return message * 10


def test_a_handler_that_emits_and_returns_is_told_and_its_message_not_passed_on_too() -> None:
    # Before, the runtime bypassed the message as well: the sink got [0, 0, 10, 1, 20, 2], the input beside what
    # the handler had sent (a trim plugin's untrimmed take after its trimmed one).
    received, errors = run_between(EmitsAndReturns, "r", 3)
    assert received == [0, 10, 20]
    assert len(errors) == 3 and all(e.error.startswith("on_inlet returned an int") for e in errors)


class EmitsByName(Node):
    """Emits to an output named at run time (the load-time check reads literal names only)."""

    type_name = "emits_by_name"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def on_inlet(self, message: Any) -> None:
        port = f"out{'lett'}"  # a misspelt name built at run time
        self.emit(port, message)


def test_an_emit_to_an_unknown_output_named_at_run_time_says_which_was_meant() -> None:
    # Before: KeyError: "emits_by_name has no output 'outlett'" (the quotes of a KeyError, and no hint).
    node = EmitsByName("e")
    with pytest.raises(KeyError) as raised:  # a KeyError still, for code that catches one
        node.handle("inlet", 1)
    assert error_text(raised.value) == "emits_by_name has no output 'outlett'; did you mean 'outlet'?"
