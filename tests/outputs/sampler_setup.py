"""What the sampler tests set up alike: an engine running one sampler "smp" with the events a test watches, its audio
process held before its rate with a take in its handler, a MIDI keyboard plugged in beside it, and takes handed by a
stopped sampler to the one an edit builds (.assign); a take whose status report failed, told so until the next."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

from exsampling_patch.context import NodeContext
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.sampler.assign import park
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, TakeEnded
from exsampling_patch.runtime.context import EngineContext
from exsampling_patch.runtime.events import Event, NodeStatus
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .helpers import sine_take

#: A sampler with an audio process of its own on the JACK dummy server.
JACK_SAMPLER: dict[str, Any] = {"virtual_port": "", "blocksize": 256}
#: A sampler without an audio process, MIDI port or sound device.
NO_DEVICE: dict[str, Any] = {"device": "none", "virtual_port": ""}

#: An observer and the kind of event it is subscribed to.
Watching = tuple[Callable[[Any], None], type[Event]]


@contextlib.contextmanager
def sampler_engine(params: dict[str, Any], *watching: Watching, **options: Any) -> Iterator[Engine]:
    """An engine (``options``) running a patch of one sampler "smp" of ``params``, each observer of ``watching``
    subscribed before the start; stopped after."""
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", params))
    engine = Engine(Registry.default(entry_points=False), **options)
    for observer, kind in watching:
        engine.events.subscribe(observer, kind)
    engine.start(patch)
    try:
        yield engine
    finally:
        engine.stop()


@contextlib.contextmanager
def kick_snare_engine(params: dict[str, Any], **options: Any) -> Iterator[tuple[Engine, list[NodeError],
                                                                                list[TakeEnded]]]:
    """:func:`sampler_engine` of a sampler of ``params`` and two slots, Kick and Snare (``buffers[1]``): the engine,
    the errors it told and the takes ended."""
    told: list[NodeError] = []
    ended: list[TakeEnded] = []
    with sampler_engine({**params, "slots": 2, "slot_names": ["Kick", "Snare"]}, (told.append, NodeError),
                        (ended.append, TakeEnded), **options) as engine:
        yield engine, told, ended


def jack_sampler_engine(*watching: Watching) -> contextlib.AbstractContextManager[Engine]:
    """:func:`sampler_engine` of one worker, its sampler on the JACK dummy server (:data:`JACK_SAMPLER`)."""
    return sampler_engine(JACK_SAMPLER, *watching, workers=1, pin_workers=False)


def held_before_its_rate(sampler: Any) -> int:
    """Stop (SIGSTOP) the sampler's audio process before it says its rate, as a loaded machine or a hung JACK server
    holds it back: its pid."""
    process = sampler.audio.process
    assert process is not None
    os.kill(process.pid, signal.SIGSTOP)
    if sampler.audio.rate_known.is_set():
        os.kill(process.pid, signal.SIGCONT)
        raise AssertionError("the process said its rate before it could be held")
    return int(process.pid)


def held_with_a_take(engine: Engine) -> int:
    """Hold the audio process of the engine's sampler before its rate (SIGSTOP) and assign it a take of 1 s at
    44.1 kHz for slot Snare, waited for until its handler is busy with it (waiting for the rate): the process's pid."""
    sampler = engine.node("smp")
    pid = held_before_its_rate(sampler)
    try:
        engine.inject("smp", "assign", SlotAssignment("Snare", sine_take(220.0, seconds=1.0, rate=44100)))
        assert wait_for(lambda: any(state.busy is not None and state.busy[0] is sampler
                                    for state in engine._states), HANG_GUARD_SECONDS)
    except BaseException:
        os.kill(pid, signal.SIGCONT)
        raise
    return pid


@contextlib.contextmanager
def keyboard_plugged_in(sampler: Any, client: str, statuses: list[NodeStatus]) -> Iterator[None]:
    """A MIDI keyboard plugged in (a JACK MIDI port of the test's own, named ``client``), opened by the keeper the
    sampler's audio process runs for its midi_port, telling the sampler as that one does; waited for until its opening
    is told in ``statuses``, unplugged after."""
    from exsampling_patch.midi_ports import PortKeeper, backend

    keyboard = backend("UNIX_JACK").open_output("out", virtual=True, client_name=client)
    try:
        keeper = PortKeeper("input", port=client, api="UNIX_JACK", on_message=lambda message: None,
                            report_status=sampler.report_status)
        keeper.start()
        try:
            assert wait_for(lambda: any(status.status.get("midi_port") for status in statuses), HANG_GUARD_SECONDS)
            yield
        finally:
            keeper.stop()
    finally:
        keyboard.close()


class KeepingContext(NodeContext):
    """Keeps takes open as the runtime does, and notes each take closed (its take id, why not loaded)."""

    def __init__(self) -> None:
        super().__init__()
        self.closed: list[tuple[str, str]] = []

    def keep_open(self, node_id: str, take: Any) -> bool:
        return True

    def close_take(self, node_id: str, take: Any, not_loaded: str) -> None:
        super().close_take(node_id, take, not_loaded)
        self.closed.append((take.take.take_id, not_loaded))


def stopped_sampler(context: NodeContext) -> Sampler:
    """A sampler "smp" without a device (:data:`NO_DEVICE`) started and stopped, as an edit stops the one it
    replaces."""
    old = Sampler("smp", NO_DEVICE, context)
    old.start()
    old.stop()
    return old


def parked_for_the_next(context: KeepingContext, *assignments: SlotAssignment) -> None:
    old = stopped_sampler(context)
    for assignment in assignments:
        assert park(old, assignment, kept=False)
    assert context.closed == []  # kept for the sampler an edit builds


@contextlib.contextmanager
def both_handed(context: KeepingContext, first: Take, second: Take, kind: type[Sampler] = Sampler) -> Iterator[Any]:
    """``first`` for slot Snare and ``second`` for HH parked by a stopped sampler, then the sampler of ``kind`` an edit
    builds started: that one, once both takes are closed; stopped after."""
    parked_for_the_next(context, SlotAssignment("Snare", first), SlotAssignment("HH", second))
    new = kind("smp", NO_DEVICE, context)
    new.start()
    try:
        assert wait_for(lambda: len(context.closed) == 2, 10.0), (context.closed, context.errors)
        yield new
    finally:
        new.stop()


class StatusFails(EngineContext):
    """The engine's running context (of its run now: one of an ended run tells nothing), but the status reports
    naming a take in :attr:`failing` fail."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, None, run=engine.run_id, ledger=engine.ledger)
        self.failing: set[str] = set()

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        if status.get("take") in self.failing:
            raise ValueError("the status could not be sent")
        super().report_status(node_id, status)


def untold_take_ended(engine: Engine, told: list[NodeError], ended: list[TakeEnded]) -> tuple[Take, Take]:
    """Assign slot Snare of the engine's sampler a take whose status report fails (its context made
    :class:`StatusFails`) and assert that the take ends loaded into the sampler all the same: that take, and one to
    assign next."""
    sampler: Any = engine.node("smp")
    sampler.context = context = StatusFails(engine)
    untold, next_one = sine_take(220.0, seconds=0.5), sine_take(330.0, seconds=0.5)
    context.failing.add(untold.take_id)
    engine.inject("smp", "assign", SlotAssignment("Snare", untold))
    assert wait_for(lambda: len(ended) == 1, 10.0), told
    (end,) = ended
    assert (end.take_id, end.fate, end.reason, end.loaded) == (untold.take_id, "slot", "slot Snare", ("smp",))
    return untold, next_one


def untold_until_the_next_take(engine: Engine, told: list[NodeError], ended: list[TakeEnded], name: str,
                               next_one: Take) -> None:
    """Assert the one error told: the take ``name`` loaded into slot Snare, its status not told, on the sampler's
    assign input; then that ``next_one``, assigned to slot Kick, ends loaded and ends that error."""
    assert wait_for(lambda: len(told) == 1, 10.0)
    (error,) = told
    assert error.node_id == "smp" and (error.port, error.later) == ("assign", True)
    assert error.error == (f"{name} loaded into slot Snare, but its status could not be told: "
                           "ValueError: the status could not be sent")
    engine.inject("smp", "assign", SlotAssignment("Kick", next_one))
    assert wait_for(lambda: len(ended) == 2, 10.0)
    assert ended[1].loaded == ("smp",)
    assert engine.wait_idle(10) and engine.errors == {}
