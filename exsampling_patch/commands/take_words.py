"""Short words for the stage console's take lines, read at a glance under a burst.

Two phones gave lines of 150-250 characters, each naming its take by the recorder's long id ("take
Bo-20261206-143333-0001dff0 from Bo"). A recorder's take is now named by its id's last part, the phone by "from Bo"
beside it (the show log and the JSON lines keep the whole id, which ends with that part).
"""

from __future__ import annotations

import re

#: A web recorder's take id, "<phone>-<YYYYMMDD>-<HHMMSS>-<count and random part>": the last part names it.
_RECORDER_ID = re.compile(r"^.+-\d{8}-\d{6}-([0-9a-f]{8})$")


def take_name(take_id: str, recorder: str) -> str:
    """A take's name on its line: "take 0001dff0" for a recorder's (said "from Bo" beside it), "take 7" (its id
    "take 7"), or "take <id>"."""
    if take_id.startswith("take"):
        return take_id
    short = _RECORDER_ID.match(take_id) if recorder else None
    return f"take {short.group(1) if short else take_id}"
