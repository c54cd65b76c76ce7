"""A node whose start() hangs is named on the console while the run waits for it, and Ctrl+C still stops the run.
Before, ``exsampling run`` printed nothing for as long as a start() hung: nothing said which node to look at."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch import TAKE, Node, Output
from exsampling_patch.commands.start_watch import NOTICES, REMIND_EVERY, StartWatch
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.stage.helpers import one_node_run

HANGING_NODE = '''
import time

from exsampling_patch import TAKE, Node, Output


class Hangs(Node):
    """Never finishes its start, as a node waiting on a device that does not answer."""

    type_name = "hangs"
    out = Output(TAKE, "nothing")

    def start(self) -> None:
        time.sleep(600.0)
'''


def test_a_hanging_start_is_named_and_ctrl_c_still_stops_the_run(tmp_path: Path) -> None:
    run = one_node_run(tmp_path, HANGING_NODE, "stuck", "hangs", "--start-notice", "1")
    try:
        run.wait_for("node 'stuck' (hangs) is still starting, 1 s in", timeout=60.0)
        run.signal_group(signal.SIGINT)
        code = run.wait(30.0)
    finally:
        if run.process.poll() is None:
            run.kill()
    output = run.output()
    assert code == 130, output
    # where it waits: "has not returned" alone left a plugin's author to guess
    plugin = tmp_path / "nodes" / "hangs.py"
    assert f"its start() has not returned, at {plugin}:14 in start (Ctrl+C stops the run)" in output, output
    assert "node 'stuck' never started: the run was stopped first" in output, output


def test_the_notices_come_once_then_again_while_the_start_goes_on() -> None:
    watch = StartWatch({"stuck": "hangs", "quick": "trim"}.__getitem__)
    assert watch.check(None, 0.0) is None
    assert watch.check("quick", 0.0) is None
    assert watch.check("stuck", 1.0) is None  # a new node: its own clock
    assert watch.check("stuck", 1.0 + NOTICES[0] - 0.1) is None
    first = watch.check("stuck", 1.0 + NOTICES[0])
    assert first is not None and first.startswith(f"node 'stuck' (hangs) is still starting, {NOTICES[0]:.0f} s in")
    assert watch.check("stuck", 1.0 + NOTICES[0] + 1.0) is None  # said once, not at every look
    told = [when for when in range(2, 2000) if watch.check("stuck", 1.0 + when) is not None]
    assert told[:3] == [NOTICES[1], NOTICES[1] + REMIND_EVERY, NOTICES[1] + 2 * REMIND_EVERY]
    assert watch.check("quick", 3000.0) is None  # the next node starts afresh
    assert watch.check("quick", 3000.0 + NOTICES[0]) is not None


HANGING_ELSEWHERE = '''
import time

from exsampling_patch import TAKE, Node, Output


class HangsBuilt(Node):
    """Never finishes its constructor, as a node that loads a model there."""

    out = Output(TAKE, "nothing")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        time.sleep(600.0)


class HangsPrepared(Node):
    """Never finishes its prepare()."""

    out = Output(TAKE, "nothing")

    def prepare(self):
        time.sleep(600.0)
'''


@pytest.mark.parametrize(("kind", "told"), [("hangs_built", "is still being built, 1 s in: its __init__() has not"),
                                            ("hangs_prepared", "is still starting, 1 s in: its prepare() has not")])
def test_a_hanging_constructor_or_prepare_is_named_too(tmp_path: Path, kind: str, told: str) -> None:
    # Before, only start() was watched: a node that hung in its constructor or prepare() left the terminal blank.
    run = one_node_run(tmp_path, HANGING_ELSEWHERE, "stuck", kind, "--start-notice", "1")
    try:
        run.wait_for(f"node 'stuck' ({kind}) {told}", timeout=60.0)
        run.signal_group(signal.SIGINT)
        code = run.wait(30.0)
    finally:
        if run.process.poll() is None:
            run.kill()
    assert code == 130, run.output()
    assert "node 'stuck' never started: the run was stopped first" in run.output(), run.output()


def test_the_first_notice_comes_when_asked_and_the_later_ones_stay() -> None:
    # exsampling run --start-notice: a performer whose nodes take long to load by design asks for it later, a
    # test sooner; the notices after the first keep their times, those not after it left out.
    sooner = StartWatch({"stuck": "hangs"}.__getitem__, first_notice=1.0)
    assert sooner.check("stuck", 0.0) is None
    assert sooner.check("stuck", 0.9) is None
    first = sooner.check("stuck", 1.0)
    assert first is not None and ", 1 s in:" in first
    assert [when for when in range(2, 200) if sooner.check("stuck", float(when)) is not None] == [
        NOTICES[1], NOTICES[1] + REMIND_EVERY]
    later = StartWatch({"stuck": "hangs"}.__getitem__, first_notice=2 * NOTICES[1])
    assert later.check("stuck", 0.0) is None
    told = [when for when in range(1, 400) if later.check("stuck", float(when)) is not None]
    assert told == [2 * NOTICES[1], 2 * NOTICES[1] + REMIND_EVERY, 2 * NOTICES[1] + 2 * REMIND_EVERY]


def test_the_watch_names_the_method_and_starts_its_clock_afresh_for_each() -> None:
    watch = StartWatch({"model": "classifier"}.__getitem__)
    assert watch.check("model", 0.0, "__init__") is None
    built = watch.check("model", NOTICES[0], "__init__")
    assert built == (f"node 'model' (classifier) is still being built, {NOTICES[0]:.0f} s in: its __init__() has not "
                     "returned (Ctrl+C stops the run)")
    assert watch.check("model", NOTICES[0] + 1.0, "prepare") is None  # the same node, its next step: a new clock
    prepared = watch.check("model", 2 * NOTICES[0] + 1.0, "prepare")
    assert prepared is not None and "is still starting" in prepared and "its prepare() has not returned" in prepared


GATES: dict[str, threading.Event] = {}


class Gated(Node):
    """Waits in its constructor, prepare() and start() for the test to let it go on."""

    type_name = "gated"
    out = Output(TAKE, "nothing")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        GATES["__init__"].wait(30.0)

    def prepare(self) -> None:
        GATES["prepare"].wait(30.0)

    def start(self) -> None:
        GATES["start"].wait(30.0)


def test_the_engine_tells_which_method_of_which_node_runs() -> None:
    registry = Registry()
    registry.register(Gated, "test")
    GATES.update({call: threading.Event() for call in ("__init__", "prepare", "start")})
    engine = Engine(registry, workers=2, pin_workers=False)
    patch = Patch()
    patch.add_node(NodeSpec("g", "gated"))
    starter = threading.Thread(target=engine.start, args=(patch,), daemon=True)
    starter.start()
    seen = []
    try:
        for call in ("__init__", "prepare", "start"):
            while engine.starting_call != ("g", call) and starter.is_alive():
                threading.Event().wait(0.005)
            seen.append((engine.starting_call, engine.starting))
            GATES[call].set()
        starter.join(30.0)
        assert engine.starting_call is None
    finally:
        for gate in GATES.values():
            gate.set()
        starter.join(30.0)
        engine.stop()
    assert seen == [(("g", "__init__"), "g"), (("g", "prepare"), "g"), (("g", "start"), "g")]
