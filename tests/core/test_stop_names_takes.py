"""A handler still running when the run stops: the summary named its node, input and line, not the take in hand,
whose line the performer then waited for in vain (it is redone at the next start)."""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, TakeEnded
from exsampling_patch.stop_news import unfinished_text
from tests.core.test_engine_run_again_old_takes import Source, a_take, from_its_own_thread
from tests.waiting import wait_for


class Busy(Node):
    """Holds its take in its handler until the test lets it go, as a classifier busy with a long take does."""

    type_name = "t_stop_busy"
    take = Input(ANY)

    def start(self) -> None:
        self.inside, self.release = threading.Event(), threading.Event()

    def on_take(self, message: Any) -> None:
        self.inside.set()
        self.release.wait(10)


def test_the_stop_summary_names_the_take_a_handler_still_has() -> None:
    registry = Registry.default(entry_points=False)
    for node_type in (Source, Busy):
        registry.register(node_type, "test")
    patch = Patch()
    patch.add_node(NodeSpec("src", "t_old_takes_source"))
    patch.add_node(NodeSpec("busy", "t_stop_busy"))
    patch.connect("src.out", "busy.take")
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(patch)
    src, busy = engine.node("src"), engine.node("busy")
    try:
        from_its_own_thread(lambda: src.emit("out", a_take("ana-3")))
        assert busy.inside.wait(10)  # type: ignore[attr-defined]
        assert not engine.stop(timeout=0.2)
    finally:
        busy.release.set()  # type: ignore[attr-defined]
    said = unfinished_text(engine.unfinished)
    assert said.startswith("some work did not finish in time, 1 handler still running: 'busy' on 'take' with take "
                           "'ana-3' at "), said
    assert said.endswith(" in on_take"), said


def test_several_handlers_still_running_read_as_one_list() -> None:
    """Each handler after "; ", as the editor's Stop separates its parts: "...; node 'b' still in its handler on
    'take'" read as another part of the stop, not as a second handler of the first."""
    said = unfinished_text([("a", "take", "f.py:3 in on_take", "x"), ("b", "inlet", "", "")])
    assert said == ("some work did not finish in time, 2 handlers still running: 'a' on 'take' with take 'x' at "
                    "f.py:3 in on_take, 'b' on 'inlet'"), said
    assert ";" not in said


def test_a_handler_ending_as_the_stop_gives_up_on_its_worker_leaves_a_stop_that_says_so_consistently() -> None:
    """The handler returns right after stop()'s join of its worker gave up, before the list of what was left was
    built. The handler list comes from one look at the workers at the deadline, so it names no handler that had
    returned; the stop is still not clean, for the take it held did not end in time (it met a stopping run and is
    redone at the next start: tests/outputs/test_redone_takes.py)."""
    registry = Registry.default(entry_points=False)
    for node_type in (Source, Busy):
        registry.register(node_type, "test")
    patch = Patch()
    patch.add_node(NodeSpec("src", "t_old_takes_source"))
    patch.add_node(NodeSpec("busy", "t_stop_busy"))
    patch.connect("src.out", "busy.take")
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    src, busy = engine.node("src"), engine.node("busy")
    worker = engine._states[0]
    fired: list[bool] = []

    def at_join_given_up(frame: FrameType, event: str, _arg: object) -> None:
        """On stop()'s thread, as its join of the busy worker returns with the worker still alive: the handler ends."""
        if event == "return" and frame.f_code.co_name == "join" and frame.f_code.co_filename == threading.__file__:
            joined = frame.f_locals.get("self")
            if isinstance(joined, threading.Thread) and joined.is_alive() and worker.busy is not None:
                sys.setprofile(None)
                busy.release.set()  # type: ignore[attr-defined]
                fired.append(wait_for(lambda: worker.busy is None, 30.0))

    try:
        from_its_own_thread(lambda: src.emit("out", a_take("ana-3")))
        assert busy.inside.wait(10)  # type: ignore[attr-defined]
        sys.setprofile(at_join_given_up)
        try:
            clean = engine.stop(timeout=0.2)
        finally:
            sys.setprofile(None)
    finally:
        busy.release.set()  # type: ignore[attr-defined]
    assert fired == [True]  # the handler ended in that window
    # Its worker, past its handler, tells no take's end (the take meets a stopping run): no handler is named, and the
    # stop is not clean all the same, its messages not all handled within the time
    assert clean is False and engine.unfinished == [], (clean, engine.unfinished)


class EndsSlowly(Node):
    """A source whose take_ended blocks until the test lets it go, as a journal's slow write (an fsync) does."""

    type_name = "t_stop_ends_slowly"
    out = Output(ANY)

    def start(self) -> None:
        self.inside, self.release = threading.Event(), threading.Event()

    def take_ended(self, ended: TakeEnded) -> None:
        self.inside.set()
        self.release.wait(10)


class Sink(Node):
    """The take's end: its handler passes nothing on."""

    type_name = "t_stop_sink"
    take = Input(ANY)

    def on_take(self, message: Any) -> None:
        pass


def _slow_end_engine() -> Engine:
    registry = Registry.default(entry_points=False)
    for node_type in (EndsSlowly, Sink):
        registry.register(node_type, "test")
    patch = Patch()
    patch.add_node(NodeSpec("src", "t_stop_ends_slowly"))
    patch.add_node(NodeSpec("sink", "t_stop_sink"))
    patch.connect("src.out", "sink.take")
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    return engine


def test_a_worker_still_telling_a_takes_end_to_its_source_is_named_not_clean() -> None:
    """The worker's handler had returned (``busy`` cleared) and it told the take's end to its source, whose
    take_ended had not returned: stop() said clean, naming nothing, and the next start() was refused for that act."""
    engine = _slow_end_engine()
    src = engine.node("src")
    try:
        from_its_own_thread(lambda: src.emit("out", a_take("ana-5")))
        assert src.inside.wait(10)  # type: ignore[attr-defined]
        clean = engine.stop(timeout=0.2)
    finally:
        src.release.set()  # type: ignore[attr-defined]
    assert clean is False
    [(node_id, port, where, take_id)] = engine.unfinished
    assert (node_id, port, take_id) == ("src", "", "ana-5")
    assert where.startswith(f"{__file__}:") and where.endswith(" in take_ended"), where
    assert unfinished_text(engine.unfinished) == ("some work did not finish in time, 1 worker still busy: telling the "
                                                  f"end of take 'ana-5' to 'src' at {where}")


def test_a_worker_still_telling_a_takes_end_to_an_observer_is_named_not_clean() -> None:
    engine = _slow_end_engine()
    inside, release = threading.Event(), threading.Event()

    def slow_observer(_ended: TakeEnded) -> None:  # a console's print on a frozen terminal
        inside.set()
        release.wait(10)

    engine.events.subscribe(slow_observer, TakeEnded)
    src = engine.node("src")
    try:
        from_its_own_thread(lambda: src.emit("out", a_take("ana-6")))
        assert inside.wait(10)
        clean = engine.stop(timeout=0.2)
    finally:
        release.set()
        src.release.set()  # type: ignore[attr-defined]  # its take_ended comes next
    assert clean is False
    assert engine.unfinished == [("", "", "", "ana-6")]
    assert unfinished_text(engine.unfinished) == ("some work did not finish in time, 1 worker still busy: telling the "
                                                  "end of take 'ana-6' to the run's observers")
