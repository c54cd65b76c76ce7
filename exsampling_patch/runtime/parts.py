"""The engine's parts: a node's cell (its inbox), a worker's state, and the stand-in for a node that failed to build.

A worker records what it is handling (:class:`Worker`), so that the engine's watchdog can see a handler that
runs past its node's limit (``hang_after``): that worker is left to it, the cells it meant to take up next are
handed to the others, and a new worker takes its place, so the rest of the patch keeps flowing.
"""

from __future__ import annotations

import faulthandler
import inspect
import os
import queue
import re
import sys
import tempfile
import threading
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from exsampling_patch.error_text import error_text
from exsampling_patch.node import HandlerReturned, Node, NodeContext

#: A handler's limit when its node type sets none (seconds).
DEFAULT_HANG_AFTER = 30.0


#: An inbox entry: (port, message, key of the take counted in the ledger for it or None, the (node, output) that
#: sent it or None for an injected one).
Entry = tuple[str, Any, str | None, tuple[str, str] | None]


class Cell:
    """A node instance with its inbox. ``lock`` guards ``inbox``, ``scheduled``, ``started``, ``closed``, ``diverts``.

    Inbox entries (:data:`Entry`) name their sender: a live edit rolled back hands what its added nodes held back
    to the nodes the plan that ran routes the sender's output to.
    """

    __slots__ = ("closed", "diverts", "inbox", "lock", "node", "run_lock", "scheduled", "started")

    def __init__(self, node: Node) -> None:
        self.node = node
        self.inbox: deque[Entry] = deque()
        self.lock = threading.Lock()
        self.run_lock = threading.Lock()  # held while the node handles a message or is being replaced
        self.scheduled = False
        self.started = False
        #: Set when the node left the plan and its inbox was emptied: what a sender that read the plan before
        #: still delivers goes here, not into an inbox no one empties again.
        self.closed: Callable[[Entry], None] | None = None
        #: Set when an edit removes the node and links a sender of it elsewhere: (sender, input) -> where what that
        #: sender delivers here goes instead (see :mod:`~exsampling_patch.runtime.divert`), ahead of ``closed``.
        self.diverts: dict[tuple[tuple[str, str], str], Callable[[Entry], None]] | None = None


class Worker:
    """One worker thread's state. ``lock`` guards ``pending`` and ``hung`` (the watchdog reads them), and the end of
    ``busy`` (the watchdog marks a worker hung only while its handler is still the one it found past its limit)."""

    __slots__ = ("busy", "cell", "emitted", "hung", "hung_id", "index", "lock", "passed_on", "pending", "ready",
                 "retire", "run", "telling", "thread_id")

    def __init__(self, index: int, ready: queue.SimpleQueue[Any], run: int) -> None:
        self.index = index
        #: The queue of cells (and stop tokens) of the run it works for: each run has its own. A worker that a handler
        #: held past stop() never took its token from the shared one, and a worker of the next run took it and left.
        self.ready = ready
        self.run = run  # the engine's run_id as it started: a worker back from a handler after it has ended leaves
        self.lock = threading.Lock()
        self.pending: list[Cell] = []  # cells this worker takes up next (depth first), no hand-off
        #: (node, port, started at (monotonic), limit, take key) of the handler running, or None
        self.busy: tuple[Node, str, float, float, str | None] | None = None
        #: The cell whose message it handles, set before ``busy``: a handler hung there holds its run lock, whatever
        #: node the cell holds since (rebuilt beside it), and none of another cell of that node id (removed, added back)
        self.cell: Cell | None = None
        self.hung = False
        #: The node id the watchdog marked it hung in, until its return has looked at the others (under the pool
        #: lock): ``busy``, cleared before that look, let two handlers of one id back at once each miss the other.
        self.hung_id: str | None = None
        self.retire = False  # a replacement took its place while it hung: leave when back
        #: Whether the handler running emitted its take on to a node (else the take reached an end there)
        self.passed_on = False
        #: Whether the handler running emitted anything at all (a handler that returned a value had sent one on)
        self.emitted = False
        self.thread_id: int | None = None  # its thread's ident, once running: where a hung handler is stuck
        #: (take id, its source node, or None while the run's observers are told) of the take's end it tells now, out
        #: of any handler (``busy`` cleared): stop() names a worker held there rather than saying all had finished.
        self.telling: tuple[str, Node | None] | None = None


T = TypeVar("T")


class ByNode(Generic[T]):
    """A map from node objects, by identity: a plugin's node type that defines ``__eq__`` has no hash (and one that
    defines both may take two nodes for one). Each node is kept while it has an entry: its id names no other."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[int, tuple[Node, T]] = {}

    def __setitem__(self, node: Node, value: T) -> None:
        self._items[id(node)] = (node, value)

    def get(self, node: Node) -> T | None:
        item = self._items.get(id(node))
        return None if item is None else item[1]

    def pop(self, node: Node) -> None:
        self._items.pop(id(node), None)

    def __contains__(self, node: object) -> bool:
        return id(node) in self._items

    def __len__(self) -> int:
        return len(self._items)


def hang_limit(node: Node) -> float:
    """How long ``node``'s handler may run before it counts as hung: its ``hang_after`` (a class value or a
    parameter), at least 0.05 s."""
    try:
        value = float(getattr(node, "hang_after", DEFAULT_HANG_AFTER))
    except (TypeError, ValueError, KeyError):
        value = DEFAULT_HANG_AFTER
    return max(0.05, value)


def worker_cpus() -> list[int]:
    """The CPUs to pin workers to, one each in turn (none where threads cannot be pinned, or with one CPU).

    Why pin: on a machine with few cores, the kernel often wakes a worker on the core where another worker
    runs, and takes milliseconds to move one of them: the classifier, the longest step between a take and
    its slot, then waits in the run queue (figures in docs/performance.md). Threads and processes that a
    handler starts inherit its worker's CPU: nodes start theirs in ``start()``, which runs unpinned.
    """
    if not hasattr(os, "sched_getaffinity"):
        return []
    cpus = sorted(os.sched_getaffinity(0))
    return cpus if len(cpus) > 1 else []


class NotBuilt(RuntimeError):
    """What a :class:`Failed` stand-in raises for each message. The build's error was reported once, when it
    failed; the engine notes this one on the take and bypasses, without a new error for each message (a line on
    the console per take, the node's count going up, and its shown error replaced by "could not be built")."""


class Failed(Node):
    """Stands in for a node that could not be built: everything it receives is bypassed."""

    abstract = True

    def __init__(self, node_id: str, node_type: type[Node], context: NodeContext,
                 error: BaseException | str = "") -> None:
        self.built_type = node_type  # whose code raised, for raised_at
        self.inputs = node_type.inputs  # type: ignore[misc]
        self.outputs = node_type.outputs  # type: ignore[misc]
        self.type_name = node_type.type_name  # type: ignore[misc]
        self.why = error_text(error) if isinstance(error, BaseException) else error
        super().__init__(node_id, {}, context)

    @classmethod
    def resolve_params(cls, given: Any) -> dict[str, Any]:
        return {}

    def handle(self, port: str, message: Any) -> None:
        raise NotBuilt(f"could not be built: {self.why}" if self.why else "could not be built")


class InitNotCalled(TypeError):
    """A node type's own ``__init__`` returned without running :class:`Node`'s: the node has no ``node_id``,
    ``params`` or ``stop_event``. Built as it was, its first message raised in the engine's own code, outside any
    handler, and ended the worker thread that took it up. ``where`` is that ``__init__``'s line."""

    def __init__(self, node: Node) -> None:
        init = type(node).__init__
        name = f"{type(node).__name__}.__init__"
        super().__init__(f"{name} did not call super().__init__(node_id, params, context)")
        try:
            self.where = f"{inspect.getsourcefile(init)}:{init.__code__.co_firstlineno} in __init__"
        except (TypeError, AttributeError):
            self.where = ""


def built_whole(node: Node) -> Node:
    """``node`` as its constructor left it; raises :class:`InitNotCalled` when :class:`Node`'s own part is missing."""
    if not all(name in vars(node) for name in ("node_id", "params", "stop_event", "_threads")):
        raise InitNotCalled(node)
    return node


def raised_at(error: BaseException, node: Node | type[Node]) -> str:
    """Where ``node``'s own code (a node type's: its constructor's) raised ``error``, as ``FILE:LINE in FUNCTION``
    (the deepest such frame), for a plugin's node: the console said only "ValueError: ...", and the traceback went
    nowhere a developer looks.
    '' for a built-in type (its messages are written for performers) or when no frame is the node's."""
    if isinstance(error, InitNotCalled | HandlerReturned):  # raised by the runtime, about the node's code
        return error.where
    return _deepest(traceback.extract_tb(error.__traceback__), node)


def running_at(thread_id: int | None, node: Node | type[Node],
               stacks: Mapping[int, traceback.StackSummary] | None = None) -> str:
    """Where ``node``'s own code (a node type's: its constructor's, a start() not returned yet) is now on the thread
    ``thread_id`` (a hung handler's worker), as :func:`raised_at` says it: "hung" alone sent a plugin's author
    looking through the whole handler. ``stacks``: one :func:`thread_stacks` read for several places (each call
    without it dumps every thread anew); without it, the threads as they are now."""
    if thread_id is None:
        return ""
    frames = (stacks if stacks is not None else thread_stacks()).get(thread_id)
    return _deepest(frames, node) if frames else ""


#: A thread's header in faulthandler's dump (its id as ``threading.get_ident()`` gives it), and each of its frames.
_DUMPED_THREAD = re.compile(r"(?:Current thread|Thread) 0x([0-9a-f]+) \(most recent call first\):")
_DUMPED_FRAME = re.compile(r'  File "(.*)", line (\d+) in (.*)')


def thread_stacks() -> dict[int, traceback.StackSummary]:
    """The frames each thread runs now, by its id (``threading.get_ident()``), outermost first (none for a thread
    gone), as faulthandler reads them: all at once, in C, the GIL held throughout, no frame object made.

    Why not ``sys._current_frames()`` and ``traceback.extract_stack()``: that walk goes from frame to frame in Python,
    letting the GIL go between them (linecache looks at each file), while the thread runs on. The watchdog read a hung
    handler's frames so just as the edit that its hang let go on stopped the node, and the handler returned and its
    worker ended under the walk: CPython 3.11.7 died of SIGSEGV in ``walk_stack`` (the sampler's rate-wait test, under
    load: once in 26 edits with two busy loops; a pytest-xdist worker lost in CI). faulthandler's own limits (100
    threads, 100 frames each) leave some places untold: never a crash.

    Its cost: the dump covers every thread, the GIL held throughout (the other threads wait; not the audio callbacks,
    in processes of their own: the sampler's, the microphone's). Best of 10 on the 2-core CI host, CPython 3.11:
    3.5 ms with 10 threads 40 frames deep, 21 ms with 60, against 0.13 to 0.17 ms for the old walk of one thread. No
    cheap bound: faulthandler has no dump of one thread, and the time is its writes, a few per frame (to /dev/null or
    a memfd no faster than to this file). So it is read only where something is told as stuck, never on a message's
    way: once for each handler found hung, once for all that is left at a stop (``stop_workers``: every worker's
    place from one dump, not one dump each), for a start told slow, and while a node's stop() runs
    (``Engine.stopping_call``, which ``exsampling run`` reads every 50 ms then)."""
    try:
        with tempfile.TemporaryFile() as dump:
            faulthandler.dump_traceback(dump, all_threads=True)
            dump.seek(0)
            lines = dump.read().decode("utf-8", "backslashreplace").splitlines()
    except OSError:  # no room for the dump (a full disk): the place untold, the watchdog goes on
        lines = []
    stacks: dict[int, list[tuple[str, int, str, None]]] = {}
    frames: list[tuple[str, int, str, None]] | None = None
    for line in lines:
        if header := _DUMPED_THREAD.fullmatch(line):
            frames = stacks.setdefault(int(header.group(1), 16), [])
        elif frames is not None and (frame := _DUMPED_FRAME.fullmatch(line)):
            frames.append((frame.group(1), int(frame.group(2)), frame.group(3), None))
    # dumped most recent first
    return {ident: traceback.StackSummary.from_list(dumped[::-1]) for ident, dumped in stacks.items()}


def _deepest(frames: traceback.StackSummary, node: Node | type[Node]) -> str:
    """The deepest of ``frames`` in the code of ``node``'s type (not built-in), as ``FILE:LINE in FUNCTION``.

    Frames from faulthandler's dump (:func:`thread_stacks`) name files as it writes them, escaped to ASCII: each file is
    looked for in that form too, and told as it is (a plugin in ``plugins_\\xe9`` was never found: its place "")."""
    node_type = node if isinstance(node, type) else getattr(node, "built_type", type(node))
    files: dict[str, str] = {}
    for klass in node_type.__mro__:
        if klass.__module__.startswith("exsampling_patch.") or klass.__module__ == "builtins":
            continue
        try:
            file = inspect.getsourcefile(klass)
        except TypeError:
            continue
        if file is not None:
            files[file] = files[_as_dumped(file)] = file
    for frame in reversed(frames):
        if frame.filename in files:
            return f"{files[frame.filename]}:{frame.lineno} in {_undumped(frame.name)}"
    return ""


#: faulthandler's cut of a name (``MAX_STRING_LENGTH`` in CPython's Python/traceback.c), "..." written after it.
_DUMPED_LENGTH = 500


def _as_dumped(text: str) -> str:
    """``text`` as faulthandler writes it (``_Py_DumpASCII``): printable ASCII as it is, any other character as
    ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN``, cut at 500 characters."""
    escaped = "".join(char if " " <= char <= "~" else _escape(ord(char)) for char in text[:_DUMPED_LENGTH])
    return escaped + "..." if len(text) > _DUMPED_LENGTH else escaped


def _escape(code: int) -> str:
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _undumped(name: str) -> str:
    """A function's name from the dump as it is: a name holds no backslash of its own, so each is an escape."""
    try:
        return name.encode("ascii").decode("unicode_escape")
    except (UnicodeError, ValueError):  # not one faulthandler wrote: told as read
        return name


class SwitchInterval:
    """The interpreter's switch interval while the engine runs (engine.SWITCH_INTERVAL says why): shortened as a start
    begins (never raised), put back at its stop, or as the start ends without running."""

    def __init__(self, wanted: float | None) -> None:
        self.wanted = wanted
        self._before: float | None = None

    def shorten(self) -> None:
        if self.wanted:
            self._before = sys.getswitchinterval()
            sys.setswitchinterval(min(self._before, self.wanted))

    def put_back(self) -> None:
        if self._before is not None:
            sys.setswitchinterval(self._before)
            self._before = None
