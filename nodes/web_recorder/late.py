"""A take a web recorder stores after its stop, handed on to the recorder started since on the same take folder.

A request the recorder's stop gave up waiting for (``STOP_WAIT``: a disk slow to take the write) stores its take after
that stop: the node's pass-on gate is closed, and the take is left on disk, not done, for the next start. A recorder
started on the same folder meanwhile (a live edit rebuilt it; the editor's Stop, then Run) had listed the folder's
unfinished takes before that take was there: the take stayed on disk, its phone told it was received, passed on only
at the start after, if any. It is now handed on to the recorder running on that folder, which passes it on as one it
had found at its start.
"""

from __future__ import annotations

from typing import Any

from exsampling_patch.nodes.late_takers import LateTakers

__all__ = ["hand_on", "leave", "listing"]

#: Take folder -> the running recorder's taker of late takes (the stored audio, its sidecar's data).
_TAKERS: LateTakers[dict[str, Any]] = LateTakers()
listing = _TAKERS.listing
leave = _TAKERS.leave
hand_on = _TAKERS.hand_on
