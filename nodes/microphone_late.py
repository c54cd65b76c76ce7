"""A take a microphone stores after its stop, handed on to the microphone started since on the same take folder.

Take assembly that outlives the stop's join of it (a take stored on a slow disk, the cut at the stop included) stores
its takes after that stop, and so do the stop's last writes of the takes kept in memory while the disk was full, when
assembly ran past the join: the node's pass-on gate is closed, and each is left on disk, not done, for the next start.
A microphone started on the same folder meanwhile (a live edit rebuilt it; the editor's Stop, then Run) had listed the
folder's unfinished takes before those were there: they waited for the start after, if any, their ends untold in the
show. They are now handed on to the microphone running on that folder, which passes them on as ones found at its
start. As the web recorder's (:mod:`.web_recorder.late`), kept apart: a recorder's take is not a microphone's.
"""

from __future__ import annotations

from exsampling_patch.nodes.late_takers import LateTakers

__all__ = ["hand_on", "leave", "listing"]

#: Take folder -> the running microphone's taker of late takes (the stored audio, the take's id).
_TAKERS: LateTakers[str] = LateTakers()
listing = _TAKERS.listing
leave = _TAKERS.leave
hand_on = _TAKERS.hand_on
