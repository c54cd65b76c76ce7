"""Running the edited patch: :class:`Runner` starts and stops the engine for the editor, swaps the patch in as it
is edited (on a thread of its own, the editor drawing meanwhile) and writes the run's show log.

What the running patch shows is watched by :class:`~exsampling_patch.editor.observer.RuntimeObserver` (its names
are imported from here too, where they were before it had a module of its own).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.observer import NodeLive, RuntimeObserver, SlotSeen, TakePoint, envelope, take_of
from exsampling_patch.editor.problem_words import problems_text
from exsampling_patch.errors import PatchError
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import Engine, showlog
from exsampling_patch.runtime.parts import error_text

__all__ = ["START_FAILED_STOP_S", "NodeLive", "Runner", "RuntimeObserver", "SlotSeen", "TakePoint", "envelope",
           "failure_text", "take_of"]

log = logging.getLogger(__name__)


#: Seconds the editor waits for the nodes that did start to stop, after a start that failed.
START_FAILED_STOP_S = 2.0

#: What the status bar says of an edit that did not go in, then why. In the words of its "edit applied to the running
#: patch (1st since Run)": it said "not swapped in (the old plan runs on)", the runtime's words.
NOT_APPLIED = "edit not applied: the patch runs on as before: "
#: What it says of an edit that went in though a node failed on the way (a removed node's stop()), then the failure.
APPLIED_BUT = "edit applied, but "


def failure_text(engine: Engine, error: BaseException) -> str:
    """What escaped the engine's start() or update(), naming the node whose method it escaped where there is one
    (its error shows on the node as well: the engine reports it there)."""
    failed = engine.failed_call
    if failed is not None:
        node_id, call = failed
        # The words the engine told it in, not its errors' (gone with a node the patch no longer has, a removed one's
        # stop(); another error since, told on the node as the edit was rolled back)
        return f"node '{node_id}' failed in {call}(): {error_text(error)}"
    return error_text(error)


class Runner:
    """Runs the model's patch for the editor; edits made while it runs are swapped in by :meth:`sync`."""

    def __init__(self, model: EditorModel, observer: RuntimeObserver, workers: int | None = None) -> None:
        self.model = model
        self.observer = observer
        self.workers = workers
        self.engine: Engine | None = None
        #: Why the last start or swap failed (the patch as edited cannot run); None when all is well.
        self.problem: str | None = None
        self._stale = False
        self._swap: threading.Thread | None = None
        #: Whether :meth:`stop` is under way. It may take seconds (a recorder waits for a phone's take being stored, a
        #: swap for a node's start) and Dear PyGui runs the Stop's callback on a thread of its own, the window drawing
        #: on meanwhile: its status bar said "stopped" as the stop began, and the Stop's news only seconds later.
        self.stopping = False
        #: The show log of the run (docs/replay.md), with the performer's locks and roll-backs; None: none written
        self.show: showlog.ShowLog | None = None
        #: What the show log of the run could not write (set from the log's thread), as the stage console says it
        self.show_problem: str | None = None
        model.listen(self._on_change)

    @property
    def running(self) -> bool:
        return self.engine is not None and self.engine.running

    def _on_change(self, what: str, subject: Any) -> None:
        if what not in ("node_moved", "refused", "saved"):
            self._stale = True

    def start(self) -> bool:
        """Start the patch; returns False (and sets :attr:`problem`) if it cannot run."""
        if self.running:
            return True
        try:
            patch = self.model.runnable_patch()
        except PatchError as error:
            self.problem = problems_text(error.problems)
            return False
        # patch_file: a web recorder's late take goes to a later Run of this patch file alone (web_recorder/late.py)
        engine = Engine(self.model.registry, workers=self.workers, base_dir=self.model.base_dir,
                        patch_file=self.model.path)
        self.observer.detach()  # from the last run's engine (see stop), before the clear: none of its news comes in
        self.observer.clear()
        self.observer.attach(engine)
        self._open_show(engine, patch)
        try:
            engine.start(patch)
        except (Exception, SystemExit) as error:  # a plugin's sys.exit() must not close the editor
            self.observer.detach()
            self._close_show()
            self.problem = failure_text(engine, error)
            # The nodes started before the failure (consumers first) went on holding their ports and devices, and
            # the workers waited for ever: the next start met "port in use".
            engine.stop(START_FAILED_STOP_S)
            return False
        self.engine, self.problem, self._stale = engine, None, False
        self._watch_samplers(engine)
        return True

    def _open_show(self, engine: Engine, patch: Patch) -> None:
        """A show log for this run, as ``exsampling run`` writes: what the performer does here is part of the show."""
        registry = self.model.registry
        self.show_problem = None
        if self.model.path is None:  # an unsaved patch has no folder for its shows
            return
        path: Path | str = "shows"
        try:
            path = showlog.default_path(patch, Path(self.model.base_dir), time.time())
            sources = [n for n, spec in patch.nodes.items()
                       if spec.type in registry and not registry.get(spec.type).inputs]
            samplers = [n for n, spec in patch.nodes.items() if spec.type == "sampler"]
            self.show = showlog.ShowLog(path, patch, sources, samplers, on_problem=lambda text: setattr(
                self, "show_problem", f"show log {path}: {text}"))
        except Exception as error:  # no show log (a folder not writable): the patch still runs, and says so
            self.show = None
            why = error.strerror if isinstance(error, OSError) and error.strerror else error
            self.show_problem = f"no show log: cannot write {path}: {why}"
            return
        self._unsubscribe_show = engine.events.subscribe(self.show, *showlog.KINDS)

    def _watch_samplers(self, engine: Engine) -> None:
        show = self.show
        if show is None:
            return
        for node_id in show.samplers:  # after a swap restarted one, its new instance
            try:
                node = engine.node(node_id)
            except KeyError:
                continue
            if callable(getattr(node, "played", None)):
                show.watch(node_id, node.played)  # type: ignore[attr-defined]

    def _close_show(self) -> None:
        show, self.show = self.show, None
        if show is not None:
            self._unsubscribe_show()
            show.close()

    def sync(self) -> bool:
        """Swap the edited patch in if it changed (called once a frame); returns True, once, when a new plan
        has gone live.

        The swap runs on a thread of its own: a node it restarts may take a while to start (the classifier's
        process loads its model, the sampler opens its stream), and the editor must keep drawing meanwhile.
        Edits made during a swap go in with the next one.
        """
        swap = self._swap
        if swap is not None:
            if swap.is_alive():
                return False
            self._swap = None
            return self.problem is None
        if not self.running or not self._stale or self.engine is None:
            return False
        self._stale = False
        try:
            patch = self.model.runnable_patch()
        except PatchError as error:
            self.problem = f"{NOT_APPLIED}{problems_text(error.problems)}"
            return False
        self._swap = threading.Thread(target=self._update, args=(self.engine, patch), name="editor-swap",
                                      daemon=True)
        self._swap.start()
        return False

    def _update(self, engine: Engine, patch: Patch) -> None:
        ran = engine.plan
        try:
            swapped = engine.update(patch)
        except PatchError as error:
            if engine.plan is None:  # Stop began as the edit was checked: no old plan runs on; what Stop said stands
                return
            self.problem = f"{NOT_APPLIED}{problems_text(error.problems)}"
        except (Exception, SystemExit) as error:  # else the thread ended unseen, and the edit was said swapped in
            if engine.plan is None:  # Stop came during the edit: the run is over, as where update() returns None
                return
            # The engine puts back the plan that ran, unless what escaped came from a removed node's stop().
            if engine.plan is ran:
                self.problem = f"{NOT_APPLIED}{failure_text(engine, error)}"
            else:
                self.problem = f"{APPLIED_BUT}{failure_text(engine, error)}"
                self._watch_samplers(engine)
        else:
            # None: Stop came during the edit, and the run is over: what Stop said (a node it gave up on) stands,
            # and there is no node to watch. Taken for swapped in, that cleared it.
            if swapped is not None:
                self.problem = None
                self._watch_samplers(engine)

    @property
    def swapping(self) -> bool:
        """Whether an edit is being swapped into the running patch now."""
        return self._swap is not None and self._swap.is_alive()

    def stop(self, timeout: float = 5.0, give_up_after: float = 60.0) -> bool:
        """Stop the patch, an edit being swapped in included: returns once every node the engine built is stopped
        (True if all finished in time). Given up on after 5 s, a swap waiting on a slow node went on, and the nodes
        it started or was retiring were never stopped: the next start met their ports and devices held. A node's
        start() that has not returned after ``give_up_after`` s (a plugin that never returns) is left to the swap,
        which stops it if it ever returns: the editor must not hang with it (False, and the problem says so)."""
        self.stopping = True
        try:
            return self._stop(timeout, give_up_after)
        finally:
            self.stopping = False

    def _stop(self, timeout: float, give_up_after: float) -> bool:
        swap, self._swap = self._swap, None
        engine, self.engine = self.engine, None
        clean = engine.stop(timeout) if engine is not None else True
        # The swap ends at its next step, stopping what it holds: the node whose start() it has in hand, as that
        # returns (a model loading).
        waited = 0.0
        while swap is not None and swap.is_alive():
            swap.join(min(timeout, max(0.0, give_up_after - waited)))
            waited += timeout
            if swap.is_alive() and engine is not None:
                node_id, call = engine.starting_call or ("?", "?")
                if waited >= give_up_after:
                    self.problem = (f"node '{node_id}' is still in its {call}() after {give_up_after:g} s: it will "
                                    "be stopped if it returns; until then it may hold its ports and devices")
                    log.error("stopping: %s", self.problem)
                    clean = False
                    break
                log.warning("stopping: waiting for node %s's %s() to return, to stop it", node_id, call)
        if engine is None:
            return True
        self._close_show()
        self.observer.apply()
        # Still watched until the next start: what a node reports once this has returned (a recorder's request still
        # handled after its stop's STOP_WAIT, refusing a take for the full disk: held_on_phones) is the Stop's news too.
        return clean

    def node(self, node_id: str) -> Any:
        """The live node instance (for the performance view's slots), or None."""
        if self.engine is None:
            return None
        try:
            return self.engine.node(node_id)
        except KeyError:
            return None
