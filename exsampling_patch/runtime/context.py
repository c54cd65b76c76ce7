"""What the engine hands its nodes as their :class:`~exsampling_patch.node.NodeContext`: emits, errors, statuses
and takes' fates, each passed on to the engine that runs them.

It reaches the engine through :class:`EngineSide`, the few members of it it uses, so that this module need not
import the engine's (which builds one)."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from exsampling_patch.node import Node, NodeContext
from exsampling_patch.patch_hints import did_you_mean
from exsampling_patch.runtime.events import EventBus, NodeStatus, TakeEnded, merge_status, opened_keys
from exsampling_patch.runtime.ledger import NOT_LOADED, TakeLedger, take_key, take_of
from exsampling_patch.runtime.plan import Plan
from exsampling_patch.runtime.recovery import ErrorBook, Sign, sign_of
from exsampling_patch.runtime.run_gate import RunGate

log = logging.getLogger(__name__)

#: The end told of a take a node's loop sent after the node's stop (see :meth:`EngineContext.sent_after_stop`).
NOT_PASSED_ON = "not passed on: its node was stopping"


class NoSuchInput(ValueError):
    """``report_message_error`` named an input the node does not have."""


class EngineSide(Protocol):
    """The members of :class:`~exsampling_patch.runtime.engine.Engine` a node's context uses."""

    events: EventBus
    status: dict[str, dict[str, Any]]
    ledger: TakeLedger
    run_id: int
    _plan: Plan | None
    _local: threading.local
    _status_lock: threading.Lock
    _starting: tuple[str, str] | None
    _stopping: bool
    _gate: RunGate
    _error_book: ErrorBook

    def _emit(self, node_id: str, port: str, message: Any, run: int | None = ...) -> None: ...

    def _record_error(self, node_id: str, error: BaseException | str, port: str | None = ...,
                      details: str = ..., during: str = ..., of: Node | type[Node] | None = ..., where: str = ...,
                      about: str = ..., later: bool = ..., *, called_back: bool = ...,
                      after_stop: bool = ...) -> str: ...

    def _recovered(self, node_id: str, sign: Sign, errors_before: int = ..., opened: Sequence[str] = ...,
                   began: int | None = ...) -> bool: ...

    def _not_its_ids(self, node: Node) -> bool: ...

    def _ended(self, ended: TakeEnded, run: int | None = ...) -> None: ...

    def _loaded_after_all(self, take_id: str, node_id: str, run: int | None = ...) -> None: ...


class EngineContext(NodeContext):
    """A node's context in a running engine: each call passed on to the engine (see :class:`EngineSide`).

    One for each run (``run``: the engine's :attr:`run_id` as it started), shared by the nodes its edits build: a
    node of a run that has ended, still telling from a thread of its own (a device's, a reader's) once the engine was
    started again, told its errors and statuses on the new run's node of its id, sent into the new plan's links and
    ended or held open the new run's takes of the same id (a take redone keeps its id). What it tells now is logged
    only; asked, it is answered of its own run: none of its takes in flight, none of its inputs linked. A node's
    stop() runs before the next start, in its own run: what it tells there still counts.

    Its takes are told to ``ledger``, its run's (never the engine's :attr:`ledger` read at the call): checked "not
    ended" and then read, the engine could start again between the two, and an old run's late close_take ended the
    new run's redone take. Its emits are checked by the engine as acts of its run (:mod:`.run_gate`): start() bumps
    the run, then waits for those that checked it before.
    """

    def __init__(self, engine: EngineSide, base_dir: str | os.PathLike[str] | None, run: int = 0, *,
                 ledger: TakeLedger, patch_file: str | os.PathLike[str] | None = None) -> None:
        super().__init__(base_dir, patch_file)
        self._engine = engine
        self._run = run
        self._ledger = ledger

    def _of_ended_run(self, node_id: str, what: str, told: object) -> bool:
        """Whether this context's run has ended (the engine started again): ``told`` is then logged, nothing more."""
        if self._run == self._engine.run_id:
            return False
        log.debug("node %s of an ended run (%d) told %s: %s", node_id, self._run, what, told)
        return True

    @property
    def run_ended(self) -> bool:
        """Whether the engine has started again since this context's run began (its nodes' run has ended)."""
        return self._run != self._engine.run_id

    @property
    def patch_stopping(self) -> bool:
        return self._engine._stopping

    @property
    def run_id(self) -> int:
        return self._engine.run_id

    def emit(self, node_id: str, port: str, message: Any) -> None:
        # From a worker the engine's _emit tells the runs apart; from a node's own thread only its context can. Checked
        # there, as an act start() waits for: checked here first, start() could run between the two.
        self._engine._emit(node_id, port, message, run=self._run)

    def report_error(self, node_id: str, error: BaseException | str, about: str = "") -> None:
        self._report_error(node_id, error, about)

    def report_error_after_stop(self, node_id: str, error: BaseException | str, about: str = "", *,
                                node: object = None, port: str | None = None) -> None:
        # The engine tells by the node whether it is still its id's: not the edit's own call of it (its handover to
        # the node it is rebuilt as), whose error stands on the id.
        stopped = node if isinstance(node, Node) and getattr(self._engine._local, "of", None) is not node else None
        if port is not None:  # "" too: no input of any node, refused as on a running node
            with self._engine._gate.acting(self._run):  # as report_message_error's
                self._report_message_error(node_id, error, port, stopped)
        else:
            self._report_error(node_id, error, about, stopped)

    def _report_error(self, node_id: str, error: BaseException | str, about: str = "",
                      stopped: Node | None = None) -> None:
        # Told by its handler, on the message in hand: that message's error, as if the handler had raised (the
        # next message handled without one ends it; one told ``about`` an output stands until that output opens:
        # told once, not at each message while it fails); told from elsewhere (start(), a device thread), no port.
        # Checked and told as one act of its run, which start() waits for: checked alone, start() could run between
        # the two, reset the errors and have this one counted on the new run's node of its id.
        with self._engine._gate.acting(self._run):
            if self._of_ended_run(node_id, "an error", error):
                return
            state = getattr(self._engine._local, "worker", None)
            busy = state.busy if state is not None else None
            port = busy[1] if busy is not None and busy[0].node_id == node_id else None
            caller = self._caller(node_id)
            if caller is not None and busy is not None and caller is not busy[0]:
                port = None  # not the busy handler's: a node of the id rebuilt beside it, called on its worker
            self._engine._record_error(node_id, error, port=port, about=about,
                                       of=caller if caller is not None else stopped, called_back=caller is not None,
                                       after_stop=caller is None and stopped is not None)

    def _caller(self, node_id: str) -> Node | None:
        """The node of ``node_id`` whose code the engine calls on this thread out of its handler (a source's
        take_ended, a take_loaded_after_all; see MessageFlow._calling), or None. This context is shared by the nodes
        of its run, and a node names only its id: told on a rebuilt x's old handler's worker, the new x's own error
        was taken for that handler's."""
        called: Node | None = getattr(self._engine._local, "called", None)
        return called if called is not None and called.node_id == node_id else None

    def report_message_error(self, node_id: str, error: BaseException | str, port: str) -> None:
        with self._engine._gate.acting(self._run):  # as report_error's
            self._report_message_error(node_id, error, port)

    def _report_message_error(self, node_id: str, error: BaseException | str, port: str,
                              stopped: Node | None = None) -> None:
        if self._of_ended_run(node_id, f"an error on '{port}'", error):
            return
        plan = self._engine._plan
        # A stopped node's own type: the plan's is its id's now, which an edit may have made another type
        node_type = type(stopped) if stopped is not None else plan.node_types.get(node_id) if plan is not None else None
        if node_type is not None and port not in node_type.inputs:
            # A misspelt input name was taken without a word: the error went on the node under a name no message
            # comes in on, and nothing told the developer why.
            hint = (did_you_mean(port, tuple(node_type.inputs), "its inputs:") if node_type.inputs
                    else "it has no inputs: tell an error of its own with report_error")
            raise NoSuchInput(f"node '{node_id}' ({node_type.type_name}) has no input '{port}' to tell a message's "
                              f"error on; {hint}")
        # Always an earlier message's, its handler returned, even told inside the handler of the next one (a take
        # whose loading is told once the next comes): taken for the running handler's own, it counted that handler
        # failed and its take erred (an output's take ended loaded by none though it loaded it).
        caller = self._caller(node_id)
        self._engine._record_error(node_id, error, port=port, later=True, of=caller if caller is not None else stopped,
                                   called_back=caller is not None, after_stop=caller is None and stopped is not None)

    def is_linked(self, node_id: str, port: str) -> bool:
        # An ended run's node was answered from the new run's plan: nothing of its own run runs any more. No act of
        # the gate is needed: the plan is read first, and start() bumps the run before it installs its plan, so a
        # new run's plan read here always meets run_ended.
        plan = self._engine._plan
        return plan is not None and not self.run_ended and (node_id, port) in plan.inbound

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        # Checked and told as one act of its run (see report_error): a status of the last run merged over the new
        # run's node's own, told once it started.
        with self._engine._gate.acting(self._run):
            self._report_status(node_id, status)

    def report_status_after_stop(self, node_id: str, status: dict[str, Any], *, node: object = None) -> None:
        # Told by a node no longer its id's (a loop going on past its stop, x rebuilt or removed): none of the id's
        # status. By the id, it was the new x's, its device opening ending the new x's error. A take's news in it (a
        # hung handler let go that loaded its take after all) is the take's, and still told. The runtime's own call of
        # the node (its word on a loop still running as it stops it, under its id; its handover) is told as ever, as
        # is the status of a node stopped while still its id's (the patch's stop).
        with self._engine._gate.acting(self._run):
            if not isinstance(node, Node) or getattr(self._engine._local, "of", None) is node:
                self._report_status(node_id, status)
                return
            # Whose it is, decided and told under the error book's lock, as _record_error decides whose an error is:
            # decided before it, an edit rebuilt x meanwhile, and this node's device opening ended the new x's error.
            with self._engine._error_book.lock:
                if not self._engine._not_its_ids(node):
                    told = self._tell_status(node_id, status)
                else:
                    log.debug("node %s, rebuilt or removed by an edit, told a status past its stop: %s", node_id,
                              status)
                    told = bool(status.get("loaded_after_all")) and not self._of_ended_run(node_id, "a status", status)
                    if told and self._engine.events.wants(NodeStatus):
                        # Published, that word alone: `exsampling run`'s count of takes no output has, and the stage
                        # console's line for it, hear it there only (the console knows it by being alone); stored, or
                        # with the rest of the status, it stood on the new x's line.
                        word = {"loaded_after_all": str(status["loaded_after_all"])}
                        self._engine.events.publish(NodeStatus(node_id, word))
            if told and status.get("loaded_after_all"):  # its source's code runs there: not under the book's lock
                self._engine._loaded_after_all(str(status["loaded_after_all"]), node_id, run=self._run)

    def _report_status(self, node_id: str, status: dict[str, Any]) -> None:
        if self._tell_status(node_id, status) and status.get("loaded_after_all"):
            # A take its end told not loaded: its source's phone shows it loaded now
            self._engine._loaded_after_all(str(status["loaded_after_all"]), node_id, run=self._run)

    def _tell_status(self, node_id: str, status: dict[str, Any]) -> bool:
        """Store and publish ``status`` on ``node_id``, ending its error where it opened something; whether it was told
        (not of an ended run)."""
        # A node may report from two threads at once (the sampler's worker and its device reader): read, merge and
        # store under a lock of their own, else one report's fields are lost. Publishing stays outside it.
        if self._of_ended_run(node_id, "a status", status):
            return False
        with self._engine._status_lock:
            merged = dict(self._engine.status.get(node_id, {}))  # new: a reader's copy is whole; never two mixed
            merge_status(merged, status)
            self._engine.status[node_id] = merged
        starting = self._engine._starting
        event = NodeStatus(node_id, status, starting=starting is not None and starting[0] == node_id)
        # Its device or port opened after its start: it is back, if that ends its error (the engine decides, and
        # says so on the status: observers follow it).
        if sign_of(event) == "opened" and self._engine._recovered(node_id, "opened", opened=opened_keys(status)):
            event = dataclasses.replace(event, back=True)
        if self._engine.events.wants(NodeStatus):
            self._engine.events.publish(event)
        return True

    tracks_takes = True

    def tell_fate(self, node_id: str, take: Any, fate: str, reason: str) -> None:
        key = take_key(take)
        if key is not None and not self._of_ended_run(node_id, f"a take's fate ({fate})", key):
            self._ledger.note(key, node_id, fate, reason)

    def keep_open(self, node_id: str, take: Any) -> bool:
        key = take_key(take)
        # One of an ended run held the new run's take of its id (redone, the same id) open: it never ended.
        return key is not None and not self._of_ended_run(node_id, "a take kept open", key) and \
            self._ledger.keep(key, node_id)

    def close_take(self, node_id: str, take: Any, not_loaded: str) -> None:
        # One act of its run, the source's take_ended included (see report_error; no lock is held over that call):
        # checked twice only, start() could still run between the second check and the end told, which went to the
        # new run's source of its id and among the new run's events.
        with self._engine._gate.acting(self._run):
            self._close_take(node_id, take, not_loaded)

    def _close_take(self, node_id: str, take: Any, not_loaded: str) -> None:
        key = take_key(take)
        # One of an ended run (an answer of Live's coming late) ended the new run's take of its id before its end.
        if key is None or self._of_ended_run(node_id, "a take closed", key):
            return
        if not_loaded:
            self._ledger.note(key, node_id, NOT_LOADED, not_loaded)
        stopping = self._engine._stopping  # read once: the ledger's count and this return agree
        self._ledger.unkeep(key, node_id, handled=not stopping)  # closed, even past the stop: waits at no node
        if stopping:  # kept past the stop: not done, its source passes it on again at the next start
            return
        ended = self._ledger.finish(key, node_id, reached=True)
        # Its own run's take ended; told only while that run is the engine's (its source's, its observers'). Checked
        # again for a start() on this very thread (a take_ended that starts the engine): the gate never waits for that;
        # and by _ended (run) for one that an observer of this end makes.
        if ended is not None and not self._of_ended_run(node_id, "a take's end", key):
            self._engine._ended(ended, run=self._run)

    def hold_take(self, node_id: str, take: Any, reason: str) -> None:
        key = take_key(take)
        if key is not None and not self._of_ended_run(node_id, "a take held", key):
            self._ledger.hold(key, node_id, reason)

    def let_go_take(self, node_id: str, take: Any) -> None:
        key = take_key(take)
        if key is not None and not self._of_ended_run(node_id, "a take let go", key):
            self._ledger.release(key, node_id)

    def take_in_flight(self, node_id: str, take: Any) -> bool:
        # An ended run's takes have all ended with it: answered from the new run's ledger, its classifier's map held
        # a take of the id the new run has in flight (a redone take keeps its id), never let go.
        if self.run_ended:
            return False
        key = take if isinstance(take, str) else take_key(take)
        return key is None or key in self._ledger

    def tell_fate_of(self, node_id: str, take_id: str, recorder: str, fate: str, reason: str) -> None:
        with self._engine._gate.acting(self._run):  # one act, as close_take's
            self._tell_fate_of(node_id, take_id, recorder, fate, reason)

    def _tell_fate_of(self, node_id: str, take_id: str, recorder: str, fate: str, reason: str) -> None:
        # Its end was told in the new run, to the new run's source of its id (which wrote it down as ended)
        if self._of_ended_run(node_id, f"a take's end ({fate})", take_id):
            return
        ended = self._ledger.told(take_id, recorder, node_id, fate, reason)
        if ended is not None and not self._of_ended_run(node_id, "a take's end", take_id):
            self._engine._ended(ended, run=self._run)

    def sent_after_stop(self, node_id: str, thread: str, message: Any, first: bool) -> None:
        # A loop mid-work past stop()'s join (a big file read, a message popped before it was delivered) or one that
        # never looks at stop_event: its take was dropped untold, the warning blaming the second only.
        if first:
            log.warning("node '%s': its loop on thread %s was still running when the node stopped (busy past the wait "
                        "of its stop, or not looking at self.stop_event); what it sends from now on goes nowhere",
                        node_id, thread)
        # Checked and told as one act of its run (see report_error): checked alone, start() could run between the two
        # and the dropped end was published among the new run's events.
        with self._engine._gate.acting(self._run):
            self._dropped_after_stop(node_id, message)

    def _dropped_after_stop(self, node_id: str, message: Any) -> None:
        key = take_key(message)
        # An ended run's loop published its take's end among the new run's events, and wrote that id ended in the new
        # run's ledger (the new run's take of that id, redone, then taken for ended before).
        if key is None or self._of_ended_run(node_id, "a take sent after its stop", key):
            return
        if key in self._ledger:  # a copy of one in flight: that one's end tells it
            return
        if not self._ledger.first_end(key):  # ended before (sent again, or on two outputs): told once
            return
        # Its end is told, and not to its source: one that stored it passes it on again at the next start.
        self._engine.events.publish(TakeEnded(node_id, take_id=key, recorder=getattr(take_of(message), "source", ""),
                                              fate="dropped", reason=NOT_PASSED_ON, source=node_id))
