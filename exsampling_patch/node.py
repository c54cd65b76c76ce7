"""The node API: a node type is one small class with typed ports, parameters and lifecycle hooks.

A minimal node::

    class Gain(Node):
        \"\"\"Scale a take by a gain in decibels.\"\"\"

        type_name = "gain"
        family = "processing"
        take = Input(TAKE, "the take to scale")
        out = Output(TAKE, "the scaled take")
        gain_db = Param(float, 0.0, "gain in dB", minimum=-60.0, maximum=24.0)

        def on_take(self, take: Take) -> None:
            self.emit("out", take.derive(take.samples * 10 ** (self.gain_db / 20)))

Messages arrive on a worker thread through :meth:`Node.handle`, which calls ``on_<input>``. Sources
start their own threads in :meth:`Node.start` with :meth:`Node.run_thread` and call :meth:`Node.emit`.
"""

from __future__ import annotations

import copy
import difflib
import re
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from exsampling_patch.class_source import assigned_line, class_source
from exsampling_patch.context import NodeContext as NodeContext  # the node API's: imported from here
from exsampling_patch.context import patch_path
from exsampling_patch.messages import message_problem
from exsampling_patch.param_spec import PARAM_KINDS as PARAM_KINDS  # the node API's too
from exsampling_patch.param_spec import Param as Param
from exsampling_patch.param_spec import ParamError as ParamError
from exsampling_patch.port_spec import Input as Input  # the node API's: declared in port_spec
from exsampling_patch.port_spec import Output as Output
from exsampling_patch.port_spec import PortSpec as PortSpec
from exsampling_patch.standing_warning import StandingWarning as StandingWarning  # the node API's too


class DeclarationError(TypeError):
    """A port or parameter a node type's class body declares wrong; ``where`` is the ``(file, line)`` of that
    declaration where its source is found, for the registry to point at it rather than at the class statement."""

    def __init__(self, cls: type, name: str, message: str) -> None:
        super().__init__(message)
        found = class_source(cls)
        self.where: tuple[str, int] | None = (found[0], assigned_line(found[1], name)) if found else None


class Node:
    """Base class of every node type. Subclasses declare ports and parameters as class attributes.

    Class attributes a node type sets:

    - ``type_name``: the name patches use (``"trim"``); defaults to the class name in snake_case.
    - ``family``: the palette group (``"sources"``, ``"processing"``, ``"classify"``, ``"outputs"``, ...).
    - the docstring's first line is the one-line doc shown in ``exsampling nodes`` and the editor.

    Lifecycle: the runtime builds the node, calls :meth:`start` once, then :meth:`handle` for each
    message (never concurrently for one node), and :meth:`stop` once. A message whose handler
    raises is reported on the node and passed on unchanged to outputs that accept it (bypass).
    """

    type_name: ClassVar[str] = ""
    family: ClassVar[str] = "misc"
    inputs: ClassVar[dict[str, PortSpec]] = {}
    outputs: ClassVar[dict[str, PortSpec]] = {}
    param_specs: ClassVar[dict[str, Param[Any]]] = {}
    #: Inputs whose messages wait for another input's (``{"take": "prediction"}``: a slot map's take waits for its
    #: prediction): ``exsampling check`` warns where the first gets messages and the second cannot.
    needs: ClassVar[dict[str, str]] = {}
    #: Inputs a switch parameter makes the node go by (``{"follow_midi_clock": "sync"}``: a pattern following MIDI
    #: clock plays only by what comes there): ``exsampling check`` warns where it is on and that input gets nothing.
    needs_when: ClassVar[dict[str, str]] = {}
    #: Seconds a handler may run before the runtime reports the node as hung and goes on without it. A type
    #: sets its own (a classifier that may restart its process needs longer than a trim); a type that declares
    #: a ``hang_after`` parameter lets each patch set it.
    hang_after: ClassVar[float] = 30.0
    #: Whether the node loads the takes it is assigned into an instrument (the built-in sampler, Live's clip slots):
    #: a take's end names it among the outputs that have the take (``loaded``) when its handler took the assignment
    #: without an error and did not tell it "not_loaded". False for an output that only tells of a take (a note, an
    #: OSC message, a track's colour): the phone shows a take no output that loads takes has as red, not amber.
    loads_takes: ClassVar[bool] = False
    #: Set by the runtime once it stopped the node: a loop of :meth:`run_thread` sends nothing after it. Named for
    #: no node type to pick: as ``_stopped``, a pattern's own (its transport stopped) silenced all it sent.
    _runtime_stopped = _runtime_told_stopped = False
    #: Set by the runtime as it builds the node: how many times a live edit had removed its id by then. Once an edit
    #: removes the id again, what the node tells (a loop going on past its stop, a hung handler let go) is no node's of
    #: the running patch, not even one of its id added back; so for an older node of the id, rebuilt before the removal.
    _runtime_removals = 0
    #: Set by the runtime as it builds the node: how many nodes of its id it had built by then, this one included. One
    #: built since (an edit's rebuild) makes this node's word past its stop none of its id's, also once the patch's stop
    #: emptied the cells, where the cell's node told them apart no more.
    _runtime_builds = 0
    #: The warning the node's line shows: the last one told (``report_status(warning=...)``, "" none), for a part that
    #: ends its own warning to leave another's (the take folder's disk with room again).
    shown_warning: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type_name" not in cls.__dict__ or not cls.__dict__["type_name"]:
            cls.type_name = _snake_case(cls.__name__)
        inputs: dict[str, PortSpec] = {}
        outputs: dict[str, PortSpec] = {}
        params: dict[str, Param[Any]] = {}
        declared_in: dict[str, type] = {}  # the class of each name's last declaration (the second of a clash)
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Input):
                    inputs[name] = value
                elif isinstance(value, Output):
                    outputs[name] = value
                elif isinstance(value, Param):
                    params[name] = value
                else:
                    continue
                declared_in[name] = klass
        kinds = {**{n: "parameter" for n in params}, **{n: "output" for n in outputs}, **{n: "input" for n in inputs}}
        clashes = [n for n in kinds if n in _RESERVED_NAMES]
        if clashes:
            raise DeclarationError(cls, clashes[0], f"{cls.__name__}: {kinds[clashes[0]]} '{clashes[0]}' hides "
                                                    f"Node.{clashes[0]}; rename it")
        taken = [n for n in inputs if n in outputs or n in params] + [n for n in outputs if n in params]
        if taken:  # told at the declaration that took the name again, not at the class statement
            raise DeclarationError(declared_in[taken[0]], taken[0], f"{cls.__name__}: '{taken[0]}' names two things "
                                                                    "(ports and parameters share one namespace)")
        cls.inputs, cls.outputs, cls.param_specs = inputs, outputs, params

    def __init__(
        self, node_id: str = "", params: Mapping[str, Any] | None = None, context: NodeContext | None = None
    ) -> None:
        self.node_id = node_id or self.type_name
        self.context = context or NodeContext()
        # A list or table the node changes in place (appends to, sorts) is its own copy: it was the running patch's
        # value, which the next edit elsewhere then found changed (the node rebuilt, losing what it held), or the
        # type's default, changed for every node of the type built then or later.
        self.params: dict[str, Any] = {name: copy.deepcopy(value) if isinstance(value, list | dict) else value
                                       for name, value in self.resolve_params(params or {}).items()}
        self.stop_event = threading.Event()
        self._threads: list[threading.Thread] = []

    @classmethod
    def doc(cls) -> str:
        """The one-line doc: the class docstring's summary (its first paragraph), on one line, also when it wraps
        in the source."""
        return " ".join(re.split(r"\n\s*\n", (cls.__doc__ or "").strip())[0].split())

    @classmethod
    def resolve_params(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with ``given``, each validated; raises :class:`ParamError` on the first problem."""
        unknown = [name for name in given if name not in cls.param_specs]
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(cls.param_specs), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ParamError(f"'{cls.type_name}' has no parameter '{unknown[0]}'{hint}")
        values = {name: spec.validate(given.get(name, spec.default)) for name, spec in cls.param_specs.items()}
        for name, spec in cls.param_specs.items():
            if spec.merge:  # the rows given change its base (the default, or an empty table): the table in effect
                values[name] = spec.in_effect(values[name] if name in given else None, values)
        return values

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The node type as plain data (``exsampling nodes --json``)."""
        return {
            "type": cls.type_name,
            "family": cls.family,
            "doc": cls.doc(),
            "inputs": [
                {"name": n, "type": p.type.name, "doc": p.doc, "multiple": p.multiple} for n, p in cls.inputs.items()
            ],
            "outputs": [{"name": n, "type": p.type.name, "doc": p.doc} for n, p in cls.outputs.items()],
            "params": [p.describe() for p in cls.param_specs.values()],
            "module": cls.__module__,
        }

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """Problems in parameter values that each pass their own limits but that only the node type can see (a
        pattern's steps): ``(name, key, ...) -> what is wrong``, the key path pointing into a table's rows.
        ``params`` are every parameter in effect. ``exsampling check``, the loader and the editor report each
        with its file and line; the default finds none. Override it with the parsing :meth:`start` does, so
        that the two cannot differ."""
        return {}

    @classmethod
    def check_warnings(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """What is likely a mistake in parameter values but may work, on some devices or some of the time (an
        upload limit that fits a take at 44.1 kHz but not at 48 kHz): ``(name, key, ...) -> what may go wrong``,
        as :meth:`check_params` gives problems. ``exsampling check`` prints each as ``warning: FILE:LINE: ...``
        (its exit status stays 0), ``run`` at start-up and the editor's problems panel as a warning; the patch
        still loads and runs. The default finds none."""
        return {}

    @classmethod
    def midi_parts(cls, params: Mapping[str, Any]) -> dict[str, tuple[str, int, tuple[int, ...]]]:
        """What a node that plays slots over MIDI sends (a pattern): per part, as its ``params`` key it (a slot's
        name), the slot it means, the MIDI channel and the notes of its hits. ``exsampling check`` holds them to
        :meth:`note_slots` of a node its MIDI output is linked to. The default: nothing known."""
        return {}

    @classmethod
    def note_slots(cls, params: Mapping[str, Any]) -> tuple[list[str], list[list[str]]] | None:
        """What a node that plays slots from MIDI (the sampler) plays: its slots' names, and per channel (16), per
        note (128), the name of the slot it plays (``''``: none). None (the default): not known, or no such node."""
        return None

    @classmethod
    def channel_slots(cls, params: Mapping[str, Any]) -> list[str] | None:
        """Where the MIDI channel picks the slot (a sampler's ``mapping: channel``): the slot each channel plays, in
        channel order. ``exsampling check`` warns of a part of :meth:`midi_parts` sent on another slot's channel.
        None (the default): not known, or no such node."""
        return None

    # -- lifecycle hooks, overridden by node types ---------------------------------------------------------

    def prepare(self) -> None:
        """Begin slow loading that :meth:`start` will need (a model, a process) without waiting for it.

        Called on every node of a patch before any node's :meth:`start`, so that such loads run side by side;
        :meth:`start` then waits for what was begun. A node started without it (in a test) must still work.
        """

    def start(self) -> None:
        """Open what the node needs (files, ports, threads). Called once before any message."""

    def stop(self) -> None:
        """Release what :meth:`start` opened. The base class stops and joins threads from :meth:`run_thread`."""
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout=STOP_JOIN_SECONDS)

    def leaving(self) -> None:
        """A live edit removes the node: called while its links still stand, just before the edited patch takes
        over. Its :meth:`stop` comes later, once its queue is empty, when what it emits reaches nobody: a node that
        sent something ahead of its time (a pattern's steps) voids it here."""

    def handover(self) -> Any:
        """An edit of its parameters rebuilds the node: what the one of its type built in its place goes on with (takes
        held for their other half), after :meth:`stop`; None (the default): nothing. See :meth:`take_over`."""

    def take_over(self, handed: Any) -> None:
        """Go on with what the node this one replaces handed over (:meth:`handover`): before prepare() and start()."""

    def handle(self, port: str, message: Any) -> None:
        """Handle a message arriving on input ``port``: calls ``on_<port>(message)``."""
        handler: Callable[[Any], None] | None = getattr(self, f"on_{port}", None)
        if handler is None:
            raise NotImplementedError(f"{type(self).__name__} has no handler on_{port} for its input '{port}'")
        returned = handler(message)
        if returned is not None:  # `return take.derive(...)`: it went nowhere, and the take ended here
            raise HandlerReturned(self, port, handler, returned)

    # -- services for node types ---------------------------------------------------------------------------

    def emit(self, port: str, message: Any) -> None:
        """Send ``message`` out of output ``port`` to every linked input."""
        if self._runtime_stopped and threading.current_thread() in self._threads:
            # A run_thread loop going on past the node's stop sent on under its id, beside the node a live edit rebuilt:
            # what it sends goes nowhere, a take with its end told (the context's, as its first time is warned of).
            first, self._runtime_told_stopped = not self._runtime_told_stopped, True
            self.context.sent_after_stop(self.node_id, threading.current_thread().name, message, first)
            return
        if port not in self.outputs:
            close = difflib.get_close_matches(port, list(self.outputs), n=1)
            raise UnknownOutput(f"{self.type_name} has no output '{port}'" + (
                f"; did you mean '{close[0]}'?" if close else f" (its outputs: {', '.join(self.outputs) or 'none'})"))
        wrong = message_problem(self.outputs[port].type.name, message)
        if wrong:
            raise TypeError(f"output '{port}' {wrong}")
        self.context.emit(self.node_id, port, message)

    def is_linked(self, port: str) -> bool:
        """Whether any link reaches input ``port`` in the patch now running (links can change live)."""
        return self.context.is_linked(self.node_id, port)

    def resolve_path(self, value: str | Path) -> Path:
        """A ``path`` parameter as an absolute path: ``~`` expanded, relative ones from the patch's folder."""
        return patch_path(value, self.context.base_dir)

    def report_error(self, error: BaseException | str, about: str = "") -> None:
        """Show an error on this node without raising (the runtime logs it and observers see it).

        ``about``: for a node with more than one device, which one the error is about, named by the status key
        that tells it open again (``"device"``, ``"midi_port"``, ``"disk"``: ``runtime.events.OPENED_KEYS``): the
        error stands until that one opens, whatever else does. Without it, any opening ends it but ``"disk"``'s,
        which ends only the errors told about the disk. Inside a handler too: an output that keeps failing (its
        ``"port"``) is told once and stands through the messages handled, until a status with that key ends it;
        without ``about``, a handler's error ends at the next message handled without one. An error on one message
        that a thread of the node's finishes after its handler returned: :meth:`report_message_error`."""
        if self._runtime_stopped:
            # Told once the runtime stopped it (a loop going on past its stop, as emit's): by its id alone, it stood on
            # the node a live edit built in its place. The context tells whose it is by the node.
            self.context.report_error_after_stop(self.node_id, error, about, node=self)
        elif about:
            self.context.report_error(self.node_id, error, about=about)
        else:  # as before ``about``: a context of a plugin's tests that takes (node_id, error) still works
            self.context.report_error(self.node_id, error)

    def report_message_error(self, error: BaseException | str, port: str) -> None:
        """An error on a message from input ``port``, told after its handler: see NodeContext.report_message_error."""
        if self._runtime_stopped:  # as report_error's: a thread of its own finishing a message past its stop
            self.context.report_error_after_stop(self.node_id, error, node=self, port=port)
        else:
            self.context.report_message_error(self.node_id, error, port)

    def report_status(self, **status: Any) -> None:
        """Tell observers what flows through this node (``level=0.3``, ``label="dog"``, ...)."""
        if isinstance(status.get("warning"), str):
            self.shown_warning = status["warning"]
        if self._runtime_stopped:  # as report_error's: by its id alone, a loop past its stop ended the new x's error
            self.context.report_status_after_stop(self.node_id, status, node=self)
        else:
            self.context.report_status(self.node_id, status)

    def tell_fate(self, take: Any, fate: str, reason: str) -> None:
        """Say what became of a take here, for its end (:class:`~exsampling_patch.runtime.events.TakeEnded`).

        ``take`` is the take or a message about it; ``fate`` is ``"rejected"`` (a gate: "not sure (dog 31%)"),
        ``"dropped"`` (ended on purpose: "silent"), ``"error"``, or ``"not_loaded"`` (an output that did not get an
        assigned take into its slot: "not loaded into sampler 'sampler': no slot named 'Kick'", said after the
        slot). A node that does not pass a take on should say why; the runtime already notes slot assignments and
        errors raised.
        """
        self.context.tell_fate(self.node_id, take, fate, reason)

    def keep_open(self, take: Any) -> bool:
        """Keep ``take`` (or the take of a message about it) from ending when this handler returns, until
        :meth:`close_take`: an output whose word on the take comes later (Live's answer to a load) says it on the
        take's own end, and its source writes the take down as done only then. False where nothing is kept (no
        runtime, or a take no source began): then there is nothing to close. Close it whatever happens (in a
        ``finally:``): a take kept and never closed, its thread having raised, does not end before the patch stops.
        A take still kept when the patch stops is not done: its source passes it on again at the next start."""
        return self.context.keep_open(self.node_id, take)

    def close_take(self, take: Any, not_loaded: str = "") -> None:
        """Let a take kept open (:meth:`keep_open`) end, from any thread; ``not_loaded``: why its slot did not get it
        here ("not loaded into Live: ..."), said after the slot on its end ("slot HH, not loaded into Live: ...")."""
        self.context.close_take(self.node_id, take, not_loaded)

    def hold_take(self, take: Any, reason: str) -> None:
        """Keep ``take`` (or a message about it) waiting here for something still to come (a slot map's take for
        its prediction), until :meth:`let_go_take`. Should the take end meanwhile (nothing more of it in flight),
        it ended here, ``"dropped"`` with ``reason`` ("left waiting in map for its prediction"), not done."""
        self.context.hold_take(self.node_id, take, reason)

    def let_go_take(self, take: Any) -> None:
        """No longer keep ``take`` waiting (:meth:`hold_take`): it went on, or its wait is over."""
        self.context.let_go_take(self.node_id, take)

    def take_in_flight(self, take: Any) -> bool:
        """Whether anything of ``take`` (or the take of a message about it) is still in flight: False once it has
        ended, when nothing more of it will come. A node holding takes for their other half drops the ended ones.
        ``take`` may be the id its source emitted it under (a one-shot's ``origin_take``), for a node that keeps
        ids, not takes."""
        return self.context.take_in_flight(self.node_id, take)

    def tell_fate_of(self, take_id: str, recorder: str = "", *, fate: str = "error", reason: str) -> None:
        """Tell the end of a take this source never emitted (a stored take found unreadable at a restart).

        The runtime publishes its :class:`~exsampling_patch.runtime.events.TakeEnded` (``node_id``: this node) as
        any other take's end, and calls :meth:`take_ended`; a take still in flight only gets the fate noted.
        """
        self.context.tell_fate_of(self.node_id, take_id, recorder, fate, reason)

    def take_ended(self, ended: Any) -> None:
        """A take this node emitted as a source has ended (a ``TakeEnded``): nothing of it is in flight any more.

        Sources write takes down as done here, not when they emit them. Called on a worker thread, possibly
        while the source's own threads run: keep it short and thread-safe.
        """

    def run_thread(self, target: Callable[[], None], name: str = "", restart_delay: float = 1.0) -> None:
        """Run ``target`` on a daemon thread until :attr:`stop_event` is set.

        If ``target`` raises, the error is reported on the node and ``target`` is run again after
        ``restart_delay`` seconds: a source that fails once keeps the show going. Each failure that follows at
        once doubles the wait, up to :data:`LONGEST_RESTART_DELAY` (see :func:`restart_wait`). One that calls
        ``sys.exit()`` asked to end: told once on the node, with where it quit, and not run again.
        """
        name = name or f"{self.node_id}-source"

        def loop() -> None:
            wait: float | None = None  # none yet: the first failure waits restart_delay
            while not self.stop_event.is_set():
                began = time.monotonic()
                try:
                    target()
                    return
                except SystemExit as quit_:
                    # Dropped by threading, it ended the source without a word; run again, a loop that quits at once
                    # was restarted every restart_delay for the rest of the show, told each time.
                    self.report_error(SourceQuit(name, quit_.code).with_traceback(quit_.__traceback__))
                    return
                except BaseException as error:
                    self.report_error(error)
                    wait = restart_wait(wait, time.monotonic() - began, restart_delay)
                    self.stop_event.wait(wait)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()


# Every public name Node defines (its methods and the class-level hooks the checks and the runtime call, such as
# check_params and note_slots), read from the class so a hook added later is guarded too, and the attributes
# __init__ sets. A port or parameter is a class attribute: one of these names would hide it. hang_after is meant
# to be declared as a parameter (a patch then sets it: see Node.hang_after).
_RESERVED_NAMES = frozenset(
    {name for name in vars(Node) if not name.startswith("_")} - {"hang_after"}
    | {"node_id", "context", "params", "stop_event"}
)


#: Seconds :meth:`Node.stop` waits for each loop of :meth:`Node.run_thread` to end.
STOP_JOIN_SECONDS = 2.0
#: The longest wait between two runs of a loop of :meth:`Node.run_thread` that keeps failing at once.
LONGEST_RESTART_DELAY = 5.0
#: Seconds a loop must have run before it failed for its next run to come after ``restart_delay`` again.
RAN_A_WHILE = 30.0
#: The least wait after a failure that follows at once, whatever ``restart_delay`` (0 included): the doubling
#: grows from it.
SHORTEST_RESTART_DELAY = 0.01


def restart_wait(last: float | None, ran: float, restart_delay: float) -> float:
    """Seconds to wait before running a failed loop again: ``restart_delay`` after its first failure (``last`` is
    None) or one that came after it ran :data:`RAN_A_WHILE`; else twice the ``last`` wait (at least
    :data:`SHORTEST_RESTART_DELAY`), up to :data:`LONGEST_RESTART_DELAY` (or ``restart_delay`` where that is
    longer). Before, a loop failing at once for good (its device gone) was run again every second for the rest of
    the show: an error a second in the log, and the CPU it took; with ``restart_delay`` 0, at once, for ever."""
    if last is None or ran >= RAN_A_WHILE:
        return restart_delay
    return min(max(last * 2, SHORTEST_RESTART_DELAY, restart_delay), max(LONGEST_RESTART_DELAY, restart_delay))


class SourceQuit(RuntimeError):
    """A loop run by :meth:`Node.run_thread` called ``sys.exit()``: it ends there, told once (the traceback its
    SystemExit had: the runtime names the line that quit)."""

    def __init__(self, thread: str, code: object) -> None:
        called = "sys.exit()" if code is None else f"sys.exit({code!r})"
        super().__init__(f"'{thread}' quit with {called}: it is not run again until the patch is started again")


class UnknownOutput(KeyError):
    """``emit`` to an output the type does not declare (a name made at run time: literal ones are refused at load).
    Told as written: a KeyError's text is the repr of its key, quotes and all."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HandlerReturned(TypeError):
    """A handler returned a value: it goes nowhere (messages go on by :meth:`Node.emit`), and what the handler
    got ended there without a word. ``where`` is the handler's line, for the engine's error. The runtime passes
    the message on, as for any handler error, unless the handler had emitted something before it returned."""

    def __init__(self, node: Node, port: str, handler: Callable[..., Any], returned: object) -> None:
        outputs = list(node.outputs)
        send = f"send it on with self.emit('{outputs[0]}', ...)" if outputs else "a handler's return value is not used"
        super().__init__(f"on_{port} returned {a_kind(returned)}, which goes nowhere: {send}")
        code = getattr(handler, "__code__", None)
        self.where = f"{code.co_filename}:{code.co_firstlineno} in {code.co_name}" if code is not None else ""


def a_kind(value: object) -> str:
    """``a list``, ``an int``: what a handler or a hook returned instead of what it should."""
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiouAEIOU' else 'a'} {name}"


def _snake_case(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
