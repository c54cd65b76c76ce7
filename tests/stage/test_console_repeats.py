"""A node failing the same way on every message: the console tells the error once in full, then how often it came
again, a second later, then ever more seldom (commands/error_repeats). Before, a thousand messages made a thousand
lines."""

from __future__ import annotations

import io
import threading
from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.commands.error_repeats import RepeatedErrors
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError


class Broken(Node):
    """Fails on every message, the same way."""

    type_name = "broken"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        raise ValueError("no such slot")


def test_a_node_failing_on_a_thousand_messages_makes_two_lines_not_a_thousand() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(Broken, "test")
    patch = Patch()
    patch.add_node(NodeSpec("bad", "broken"))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    console.repeats.every = 3600.0  # no count is due during the test, however slow the host: the stop tells it
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.events.subscribe(console, *console.kinds())
    told: list[NodeError] = []
    engine.events.subscribe(told.append, NodeError)
    engine.start(patch)
    try:
        for number in range(1000):
            engine.inject("bad", "inlet", number)
        assert engine.wait_idle(30)
    finally:
        engine.stop()
    (line,) = err.getvalue().splitlines()
    assert " error in node 'bad': ValueError: no such slot (at " in line, line
    console.flush_errors()
    assert said(err.getvalue().splitlines()[1:]) == ["error in node 'bad': the same error 999 more times"]
    # Only the console's lines are thinned: every error is still an event, and counted.
    assert len(told) == 1000 and engine.error_counts == {"bad": 1000}


def error(node_id: str, at: float, text: str = "ValueError: no such slot", **fields: Any) -> NodeError:
    return NodeError(node_id, error=text, port=fields.pop("port", "inlet"), time=at, **fields)


def said(lines: list[str]) -> list[str]:
    return [line.split(" ", 1)[1] for line in lines]  # without the clock


def test_repeats_are_counted_once_a_second_and_a_new_error_is_told_in_full() -> None:
    repeats = RepeatedErrors(every=1.0)
    full = "error in node 'bad': ValueError: no such slot"
    assert said(repeats.lines(error("bad", 100.0))) == [full]
    for tenth in range(1, 10):
        assert repeats.lines(error("bad", 100.0 + tenth / 10)) == []
    assert repeats.next_due() == 101.0
    assert said(repeats.lines(error("bad", 101.05))) == ["error in node 'bad': the same error 10 more times"]
    assert repeats.next_due() is None
    # Another node's error, and another error of this node, are new: told at once, in full.
    assert said(repeats.lines(error("other", 101.1))) == ["error in node 'other': ValueError: no such slot"]
    assert repeats.lines(error("bad", 101.2)) == []
    assert said(repeats.lines(error("bad", 101.3, "KeyError: 'HH'"))) == [
        "error in node 'bad': the same error 1 more time", "error in node 'bad': KeyError: 'HH'"]
    assert said(repeats.lines(error("bad", 101.4))) == [full]  # after another error, the first is new again
    stopping = "error in node 'bad' in stop(): ValueError: no such slot"
    assert said(repeats.lines(error("bad", 101.5, port=None, during="stop"))) == [stopping]
    assert repeats.lines(error("bad", 101.6, port=None, during="stop")) == []
    assert said(repeats.due(101.7)) == []
    assert said(repeats.due(102.5)) == ["error in node 'bad': the same error 1 more time"]
    # A lone repeat after a quiet spell (QUIET_SPELL, 30 s without it) says more in full than as a count.
    assert said(repeats.lines(error("bad", 140.0, port=None, during="stop"))) == [stopping]
    assert repeats.lines(error("bad", 140.5, port=None, during="stop")) == []
    assert said(repeats.flush(140.6)) == ["error in node 'bad': the same error 1 more time"]
    assert repeats.flush(140.7) == []


def test_an_error_back_every_second_is_counted_ever_more_seldom_not_told_each_time() -> None:
    """A source retried every second (its folder gone) or a plugin failing on each take as the phones send them: each
    repeat came a second or more after the last line, "after a quiet spell", and was told in full, a line a second
    for the whole show. Its count lines now come ever more seldom while it goes on, then once a minute."""
    repeats = RepeatedErrors()
    lines = [line for second in range(600) for line in said(repeats.lines(error("inbox", 1000.0 + second)))]
    assert lines[0] == "error in node 'inbox': ValueError: no such slot"
    assert lines[1:7] == [f"error in node 'inbox': the same error {n} more time{'s' if n > 1 else ''}"
                          for n in (1, 2, 4, 8, 16, 32)]
    assert all(line == "error in node 'inbox': the same error 60 more times" for line in lines[7:]), lines
    assert len(lines) == 15, lines  # against 600
    # What is left of it is told at the stop, and the error back after a quiet spell is told in full again.
    assert said(repeats.flush(1600.0)) == ["error in node 'inbox': the same error 56 more times"]
    assert said(repeats.lines(error("inbox", 1631.0))) == ["error in node 'inbox': ValueError: no such slot"]
    assert said(repeats.lines(error("inbox", 1632.0))) == ["error in node 'inbox': the same error 1 more time"]


class Lines(io.StringIO):
    """The console's stream, which says when a count has been written."""

    def __init__(self) -> None:
        super().__init__()
        self.counted = threading.Event()

    def write(self, text: str) -> int:
        if "more time" in text:
            self.counted.set()
        return super().write(text)


def test_a_count_is_told_when_due_even_if_the_node_never_fails_again() -> None:
    err = Lines()
    console = StageConsole(Patch(), err=err)
    console.repeats.every = 0.05
    console(NodeError("bad", error="ValueError: no such slot", port="inlet"))
    console(NodeError("bad", error="ValueError: no such slot", port="inlet"))
    assert err.counted.wait(10), err.getvalue()
    assert said(err.getvalue().splitlines()) == ["error in node 'bad': ValueError: no such slot",
                                                 "error in node 'bad': the same error 1 more time"]
    console.flush_errors()
    assert len(err.getvalue().splitlines()) == 2


def test_repeats_told_from_many_threads_at_once_are_all_counted() -> None:
    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    console.repeats.every = 3600.0
    go = threading.Barrier(4)

    def fail() -> None:
        go.wait()
        for _ in range(250):
            console(NodeError("bad", error="ValueError: no such slot", port="inlet"))

    threads = [threading.Thread(target=fail) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    console.flush_errors()
    assert said(err.getvalue().splitlines()) == ["error in node 'bad': ValueError: no such slot",
                                                 "error in node 'bad': the same error 999 more times"]


def test_the_same_error_after_its_node_came_back_is_told_in_full() -> None:
    """The JACK server gone, back ("sampler is back"), gone again seconds later: the same words, within the quiet
    spell, were a repeat of the error that had ended, counted ("the same error 1 more time") where the performer
    must read what happened anew. A recovery ends the error's repeats; its count not told yet comes first."""
    from exsampling_patch.runtime import NodeStatus

    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    gone = "the JACK server went away (stopped or restarted): the sampler is silent until it is back"
    console(NodeError("sampler", error=gone, port=None))
    console(NodeError("sampler", error=gone, port=None))
    console(NodeStatus("sampler", {"midi_port": "exsampling sampler"}, back=True))
    console(NodeError("sampler", error=gone, port=None))
    console.flush_errors()
    assert said(err.getvalue().splitlines()) == [
        f"error in node 'sampler': {gone}",
        "error in node 'sampler': the same error 1 more time",
        "sampler is back: node 'sampler': MIDI port exsampling sampler",
        f"error in node 'sampler': {gone}",
    ]


def test_an_error_that_ended_while_another_stands_is_told_in_full_when_it_comes_back() -> None:
    """A sampler whose sound card and MIDI keyboard are both gone: the keyboard back (the engine's NodeStillInError,
    the sound card's error standing) and gone again was a repeat of the error told last, counted ("the same error 1
    more time"): the console forgot an error only once its node was back from all of them."""
    from exsampling_patch.runtime import NodeStillInError

    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    card = NodeError("sampler", error="the sound card 'USB' is gone", port=None)
    keys = "the MIDI keyboard 'Keystep' is gone"
    console(card)
    console(NodeError("sampler", error=keys, port=None))
    console(NodeError("sampler", error=keys, port=None))
    console(NodeStillInError("sampler", how="opened", error=card, ended=(keys,)))
    console(NodeError("sampler", error=keys, port=None))
    # One a message handled ended is no news back (a plugin failing on some takes only): counted, as a node's
    # error that a message handled ended is.
    console(NodeStillInError("sampler", how="handled", error=card, ended=(keys,)))
    console(NodeError("sampler", error=keys, port=None))
    console.flush_errors()
    assert said(err.getvalue().splitlines()) == [
        "error in node 'sampler': the sound card 'USB' is gone",
        f"error in node 'sampler': {keys}",
        "error in node 'sampler': the same error 1 more time",
        f"error in node 'sampler': {keys}",
        "error in node 'sampler': the same error 1 more time",
    ]
