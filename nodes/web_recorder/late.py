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
recorder of its id does not take is now handed on to the recorder of its id running on the same patch folder (the
engine's ``base_dir``, the same for each Run of one patch): the run first, so that two engines of one patch folder each
running a "rec" keep their own takes while both run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from exsampling_patch.context import NodeContext
from exsampling_patch.nodes.late_takers import LateTakers

__all__ = ["hand_on", "leave", "leave_state", "listing", "listing_state"]

#: Take folder -> the running recorder's taker of late takes (the stored audio, its sidecar's data).
_TAKERS: LateTakers[dict[str, Any]] = LateTakers()
listing = _TAKERS.listing
leave = _TAKERS.leave
#: State folder -> the running recorder's taker of late takes stored in a take folder no recorder runs on.
_BY_STATE: LateTakers[dict[str, Any]] = LateTakers()
#: Run and node id -> its running recorder's taker of late takes whose take folder and state folder no recorder runs
#: on.
_BY_ID: LateTakers[dict[str, Any]] = LateTakers()
#: Patch folder and node id -> its running recorder's taker of late takes none of the above takes (a run since).
_BY_BASE: LateTakers[dict[str, Any]] = LateTakers()


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
    """The key of recorder ``node_id`` of any run of the patch in ``run``'s patch folder (a path never made)."""
    return run.base_dir.resolve() / ".late-takers-of-node" / node_id.replace("/", "_")


@contextmanager
def listing_state(state: Path, run: NodeContext, node_id: str,
                  take: Callable[[Path, dict[str, Any]], None]) -> Iterator[None]:
    """:meth:`LateTakers.listing` of the late takes of recorder ``node_id`` on ``state`` stored in another folder, and
    of those of its id in ``run``, or in its patch folder, stored by one on other folders (always taken in this order:
    no lock waits on another)."""
    with (_BY_STATE.listing(_of_node(state, node_id), take), _BY_ID.listing(_of_id(run, node_id), take),
          _BY_BASE.listing(_of_base(run, node_id), take)):
        yield


def leave_state(state: Path, run: NodeContext, node_id: str, take: Callable[[Path, dict[str, Any]], None]) -> None:
    """:meth:`LateTakers.leave` of :func:`listing_state`'s."""
    _BY_STATE.leave(_of_node(state, node_id), take)
    _BY_ID.leave(_of_id(run, node_id), take)
    _BY_BASE.leave(_of_base(run, node_id), take)


def hand_on(folder: Path, state: Path, run: NodeContext, node_id: str, audio: Path, about: dict[str, Any]) -> bool:
    """Hand a take stored late in ``folder`` (``audio``, its sidecar's data ``about``) by recorder ``node_id`` of
    ``run`` (its context) to the recorder running on that folder, else to the one of that id on the state folder
    ``state``, else to the one of that id in ``run`` on other folders (a live edit moved both), else to the one of that
    id in a run since of the same patch folder (Stop, an edit moving both, Run); False: none runs (it waits on
    disk)."""
    return (_TAKERS.hand_on(folder, audio, about) or _BY_STATE.hand_on(_of_node(state, node_id), audio, about)
            or _BY_ID.hand_on(_of_id(run, node_id), audio, about)
            or _BY_BASE.hand_on(_of_base(run, node_id), audio, about))
