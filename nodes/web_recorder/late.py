"""A take a web recorder stores after its stop, handed on to the recorder started since on the same take folder.

A request the recorder's stop gave up waiting for (``STOP_WAIT``: a disk slow to take the write) stores its take after
that stop: the node's pass-on gate is closed, and the take is left on disk, not done, for the next start. A recorder
started on the same folder meanwhile (a live edit rebuilt it; the editor's Stop, then Run) had listed the folder's
unfinished takes before that take was there: the take stayed on disk, its phone told it was received, passed on only
at the start after, if any. It is now handed on to the recorder running on that folder, which passes it on as one it
had found at its start.

A live edit that changed the take folder left no recorder running on the old one: the take waited there, not done, for
the next run on that folder, while its phone, unanswered, sent it again to the rebuilt recorder, which stored it anew
in the new folder: one take, stored twice, through the patch twice. A take no recorder runs on the folder of is now
handed on to the recorder of its id running on its state folder (whose table of takes seen holds the phone's take ids:
the retry is then its duplicate), which passes it on from where it is stored (written down as done there). That
recorder holds such hand-ons off from before its tables are read until its folder is listed (:func:`listing_state`).

A live edit that moved both folders (take folder and state folder) left the take with neither: it waited in a folder
no run uses any more, and its phone's retry was stored anew, as a new take. A take neither folder's recorder takes is
now handed on to the recorder of its id (the one the edit rebuilt: ids are unique in a patch), in the same way. Of
its id in its run (the nodes' context, which an edit's rebuilt node shares): keyed by the id alone, two engines of one
process (an editor and a test's, two tests in one worker) each with a recorder "rec" shared one taker, and a take
went to the other engine's recorder, through that patch's outputs, whichever of the two had started last.

Looked up in its run alone, a take the recorder stored after the editor's Stop, an edit moving both folders, then Run
reached no recorder: each start makes a new context (the editor a new engine), so the run's key was empty; the take
waited in a folder no run uses, and the warning telling so went to the ended run, shown nowhere. A take its run's
recorder of its id does not take is now handed on to the recorder of its id in a run of the same patch file (the
context's ``patch_file``; its folder, ``base_dir``, where the runner names none): the run first, so that two engines
of one patch each running a "rec" keep their own takes while both run.

A take none of them takes (the patch stopped while its phone's retry was being stored, no run since) was told on the
ended run alone, shown nowhere, and waited in a folder the patch may no longer use. It is now kept in this process for
the next start of its recorder's id in a run of the same patch (the editor's next Run), which passes it on as a late
take and says so (:func:`listing_state`'s ``take_left``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from exsampling_patch.context import NodeContext
from exsampling_patch.nodes.late_takers import LateTakers
from exsampling_patch.takes import TakeStore

__all__ = ["hand_on", "keep_again", "leave", "leave_state", "listing", "listing_state"]

#: Take folder -> the running recorder's taker of late takes (the stored audio, its sidecar's data).
_TAKERS: LateTakers[dict[str, Any]] = LateTakers()
listing = _TAKERS.listing
leave = _TAKERS.leave
#: State folder -> the running recorder's taker of late takes stored in a take folder no recorder runs on.
_BY_STATE: LateTakers[dict[str, Any]] = LateTakers()
#: Run and node id -> its running recorder's taker of late takes whose take folder and state folder no recorder runs
#: on.
_BY_ID: LateTakers[dict[str, Any]] = LateTakers()
#: Patch file (its folder where none is named) and node id -> its running recorder's taker of late takes none of the
#: above takes (a run since).
_BY_BASE: LateTakers[dict[str, Any]] = LateTakers()
#: Patch file and node id (:func:`_of_base`) -> the late takes no recorder took, for the next start of that id there.
_LEFT: dict[Path, list[tuple[Path, dict[str, Any]]]] = {}
_LEFT_LOCK = threading.Lock()  # the table only; each key's changes are also under _BY_BASE's lock of that key


def _of_node(state: Path, node_id: str) -> Path:
    """The key of recorder ``node_id`` on the state folder ``state`` (the one named, resolved: not the temporary copy
    standing in for one it cannot write, new at each start): a take goes to the node an edit rebuilt, not to another
    recorder sharing the state folder, whose outputs lead elsewhere. Never made on disk."""
    return state / "late-takers" / node_id.replace("/", "_")


def _of_id(run: object, node_id: str) -> Path:
    """The key of recorder ``node_id`` of ``run`` (its context) whatever its folders (a path never made:
    :class:`LateTakers` keys are paths). By the run's ``id()``: a taker registered holds its node, and so its context,
    alive, and so does a node handing a take on: no other context can have that number meanwhile."""
    return Path("/") / "late-takers-of-node" / str(id(run)) / node_id.replace("/", "_")


def _of_base(run: NodeContext, node_id: str) -> Path:
    """The key of recorder ``node_id`` of any run of ``run``'s patch file (a path never made); of its patch folder only
    where the runner names no file (an embedder's engine). By the folder alone, patches/exsampling.yaml's "recorder"
    took web_to_writer.yaml's late take (one folder, each its own state folder), through the other patch's outputs,
    and wrote it down as done in its own take folder."""
    patch = run.patch_file if run.patch_file is not None else run.base_dir.resolve()
    return patch / ".late-takers-of-node" / node_id.replace("/", "_")


def _keep_left(base: Path, audio: Path, about: dict[str, Any]) -> None:
    """Keep a late take no recorder took for the next start of its id in a run of its patch (``base``)."""
    with _LEFT_LOCK:
        _LEFT.setdefault(base, []).append((audio, about))


def _still_not_done(audio: Path, about: dict[str, Any]) -> bool:
    """Whether a kept late take still waits on disk, not written down as done (a start on its folder meanwhile, in
    another process or under another id, passed it on): passed on again, it went through the patch twice."""
    try:
        return audio.exists() and str(about.get("take_id")) not in TakeStore(audio.parent, make=False).processed_ids()
    except OSError:  # its journal unreadable: passed on, as the start on its folder would
        return audio.exists()


@contextmanager
def listing_state(state: Path, run: NodeContext, node_id: str, take: Callable[[Path, dict[str, Any]], None],
                  take_left: Callable[[list[tuple[Path, dict[str, Any]]]], None] | None = None) -> Iterator[None]:
    """:meth:`LateTakers.listing` of the late takes of recorder ``node_id`` on ``state`` stored in another folder, and
    of those of its id in ``run``, or in its patch, stored by one on other folders (always taken in this order:
    no lock waits on another). Once the block is through, the late takes no recorder took since the last start of
    that id of that patch (:func:`_keep_left`) still not done go to ``take_left`` (else ``take``, each)."""
    base = _of_base(run, node_id)
    with (_BY_STATE.listing(_of_node(state, node_id), take), _BY_ID.listing(_of_id(run, node_id), take),
          _BY_BASE.listing(base, take)):
        yield
        with _LEFT_LOCK:  # under base's lock still: a take kept meanwhile is here, or handed to ``take`` after
            left = _LEFT.pop(base, [])
        left = [(audio, about) for audio, about in left if _still_not_done(audio, about)]
        if left and take_left is not None:
            take_left(left)
        elif left:
            for audio, about in left:
                take(audio, about)


def leave_state(state: Path, run: NodeContext, node_id: str, take: Callable[[Path, dict[str, Any]], None]) -> None:
    """:meth:`LateTakers.leave` of :func:`listing_state`'s."""
    _BY_STATE.leave(_of_node(state, node_id), take)
    _BY_ID.leave(_of_id(run, node_id), take)
    _BY_BASE.leave(_of_base(run, node_id), take)


def hand_on(folder: Path, state: Path, run: NodeContext, node_id: str, audio: Path, about: dict[str, Any]) -> bool:
    """Hand a take stored late in ``folder`` (``audio``, its sidecar's data ``about``) by recorder ``node_id`` of
    ``run`` (its context) to the recorder running on that folder, else to the one of that id on the state folder
    ``state``, else to the one of that id in ``run`` on other folders (a live edit moved both), else to the one of that
    id in a run since of the same patch (Stop, an edit moving both, Run); False: none runs (it waits on
    disk, and is kept for the next start of that id of that patch: :func:`listing_state`)."""
    base = _of_base(run, node_id)
    return (_TAKERS.hand_on(folder, audio, about) or _BY_STATE.hand_on(_of_node(state, node_id), audio, about)
            or _BY_ID.hand_on(_of_id(run, node_id), audio, about)
            or _BY_BASE.hand_on(base, audio, about, otherwise=lambda: _keep_left(base, audio, about)))


def keep_again(run: NodeContext, node_id: str, left: list[tuple[Path, dict[str, Any]]]) -> None:
    """Kept late takes ``left`` that :func:`listing_state` gave to a start of recorder ``node_id`` of ``run`` which
    failed before passing them on (its port busy): handed to a recorder of that id running on its patch meanwhile, else
    kept again for the next start (thrown away with the failed node, the next Run passed on nothing). Called once that
    node left its takers (:func:`leave_state`): still the taker, it took them back."""
    base = _of_base(run, node_id)
    for audio, about in left:
        _BY_BASE.hand_on(base, audio, about, otherwise=lambda audio=audio, about=about: _keep_left(base, audio, about))
