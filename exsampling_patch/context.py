"""What the runtime gives a node (:class:`NodeContext`): where its messages go and how it reports.

The runtime's own context (``exsampling_patch.runtime.engine``) routes messages and publishes events; this base
class is the one a node built alone (a unit test, a command) gets, and collects what the node does.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any


def patch_path(value: str | os.PathLike[str], base_dir: Path) -> Path:
    """A path written in a patch as an absolute path: ``~`` expanded, a relative one taken from ``base_dir`` (the
    patch file's folder). The one rule for every path a patch holds: node parameters, ``node_dirs``, the show log's
    folder (``node_dirs: [~/my-nodes]`` was looked for under the patch's folder, in a folder named "~")."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base_dir / path).resolve()


class NodeContext:
    """What the runtime gives a node: where its messages go and how it reports.

    The default context (used when a node is built outside a runtime, as in unit tests) collects
    emitted messages in :attr:`emitted`, errors in :attr:`errors` and fates told in :attr:`fates`
    (``(fate, reason)``; a fate told of a take by its id also in :attr:`ended`).
    """

    def __init__(self, base_dir: str | os.PathLike[str] | None = None,
                 patch_file: str | os.PathLike[str] | None = None) -> None:
        #: Relative ``path`` parameters are taken from here (:func:`patch_path`): the patch file's folder, which
        #: every command that builds nodes from a patch passes (run, edit, classify --patch); the working
        #: directory only for a node built alone, as in a unit test.
        self.base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        #: The patch file the nodes run from, resolved, where the runner knows it (run, edit); else None. What tells
        #: two patches of one folder apart: a web recorder's late take goes to a later run of its own patch alone.
        self.patch_file = Path(patch_file).resolve() if patch_file is not None else None
        self.emitted: list[tuple[str, Any]] = []
        self.errors: list[BaseException | str] = []
        self.statuses: list[dict[str, Any]] = []
        self.fates: list[tuple[str, str]] = []
        #: ``(take_id, recorder, fate, reason)`` for each end told with :meth:`tell_fate_of`.
        self.ended: list[tuple[str, str, str, str]] = []
        #: take id -> why the node holds it, for each take held (:meth:`Node.hold_take`) and not let go yet.
        self.held: dict[str, str] = {}
        self.stop_event = threading.Event()
        #: Inputs that count as linked (:meth:`Node.is_linked`) outside a runtime: tests fill it.
        self.linked_inputs: set[str] = set()

    @property
    def patch_stopping(self) -> bool:
        """Whether the whole patch is stopping (the run's stop), not an edit that stops or rebuilds this node alone:
        True from when the stop reaches the nodes that take messages in. What such a node handles, or is stopped in
        the middle of, from then on is not done: a take it keeps open stays in flight, and its source passes it on
        again at the next start, where an edit's stop would hand it on or end it: at an edit's, close what the node
        keeps open (or hand it over), else it stays in flight until the patch stops. Without a runtime, never."""
        return False

    @property
    def run_id(self) -> int:
        """Which run of the patch the engine is in: the runtime counts its engine's starts. Each run's nodes get a
        context of its own (a node of an ended run still telling from its threads is heard no more), and this tells
        a node of an ended run that its run has ended: a node that takes over from a stopped one of its id tells an
        edit (the same context and run) from a run started again by this. Without a runtime, 0."""
        return 0

    def emit(self, node_id: str, port: str, message: Any) -> None:
        self.emitted.append((port, message))

    def is_linked(self, node_id: str, port: str) -> bool:
        return port in self.linked_inputs

    def report_error(self, node_id: str, error: BaseException | str, about: str = "") -> None:
        self.errors.append(error)

    def report_error_after_stop(self, node_id: str, error: BaseException | str, about: str = "", *,
                                node: object = None, port: str | None = None) -> None:
        """An error ``node`` (the :class:`~exsampling_patch.node.Node` that tells it) told once the runtime stopped it,
        from a loop of its own going on past its stop: a live edit may have built another node of its id, or removed
        it. ``port``: the error of a message from that input (:meth:`report_message_error`). Only a runtime stops a
        node so."""
        self.errors.append(error)

    def report_message_error(self, node_id: str, error: BaseException | str, port: str) -> None:
        """An error on a message that came in on ``port``, told from a thread of the node's own once its handler
        returned (a take handed to the sampler an edit built): it ends at the next message the node handles without
        one whose handling began after it was told, as its handler's would (not at one that was running then, nor at
        the next take's whose handler returned first). Told with :meth:`report_error` from there, it is the node's
        own (a device's) and stands until a device of the node opens again. A failure that lasts (a full disk) is
        not one message's: tell it once with :meth:`report_error` ``about`` the status key that ends it."""
        self.errors.append(error)

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        self.statuses.append(status)

    def report_status_after_stop(self, node_id: str, status: dict[str, Any], *, node: object = None) -> None:
        """A status ``node`` told once the runtime stopped it: see :meth:`report_error_after_stop`."""
        self.report_status(node_id, status)

    #: Whether this context tells sources when their takes end (:meth:`Node.take_ended`). The runtime does;
    #: without one (a node built alone), a source writes a take down as done once it has emitted it.
    tracks_takes = False

    def tell_fate(self, node_id: str, take: Any, fate: str, reason: str) -> None:
        self.fates.append((fate, reason))

    def keep_open(self, node_id: str, take: Any) -> bool:
        """A node keeps a take from ending: see :meth:`Node.keep_open`. Without a runtime no take ends: nothing is
        kept."""
        return False

    def close_take(self, node_id: str, take: Any, not_loaded: str) -> None:
        """A node lets a take it kept open end: see :meth:`Node.close_take`; why it was not loaded, in :attr:`fates`."""
        if not_loaded:
            self.fates.append(("not_loaded", not_loaded))

    def hold_take(self, node_id: str, take: Any, reason: str) -> None:
        """A node keeps a take waiting: see :meth:`Node.hold_take`."""
        self.held[str(getattr(take, "take_id", take))] = reason

    def let_go_take(self, node_id: str, take: Any) -> None:
        """A node let go of a take it held: see :meth:`Node.let_go_take`."""
        self.held.pop(str(getattr(take, "take_id", take)), None)

    def take_in_flight(self, node_id: str, take: Any) -> bool:
        """Whether anything of a take may still come: see :meth:`Node.take_in_flight`. Without a runtime, no take
        is known to have ended."""
        return True

    def sent_after_stop(self, node_id: str, thread: str, message: Any, first: bool) -> None:
        """A loop of the node's went on past its stop and sent ``message``, which goes nowhere (``first``: its first
        such); only a runtime stops a node so."""

    def tell_fate_of(self, node_id: str, take_id: str, recorder: str, fate: str, reason: str) -> None:
        """A source tells the end of a take by its id (one it never emitted): see :meth:`Node.tell_fate_of`."""
        self.fates.append((fate, reason))
        self.ended.append((take_id, recorder, fate, reason))
