"""The stage console's start-up line for a folder source: where it takes its takes from, and the files there it
leaves alone (see :mod:`exsampling_patch.nodes.folder`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exsampling_patch.wording import counted


def folder_line(kind: str, node_id: str, folder: str, status: Mapping[str, Any]) -> str:
    """The line for node ``node_id`` of type ``kind`` reading ``folder``, as its start's ``status`` has it: with the
    files there before its first start that it leaves alone (copied in before the show, they went unplayed without a
    word), or, with include_existing, those whose takes an earlier run took (a patch run again on the same inbox took
    nothing, and said nothing of why)."""
    left_alone, taken = status.get("left_alone"), status.get("taken_before")
    alone = ""
    if isinstance(left_alone, int) and left_alone > 0:
        alone = (f" ({counted(left_alone, 'file')} there before its first start {'are' if left_alone != 1 else 'is'} "
                 "left alone: include_existing reads them)")
    elif isinstance(taken, int) and taken > 0:
        journal = status.get("journal")
        again = f"; remove {journal} before a start to take them again" if isinstance(journal, str) else ""
        alone = (f" ({counted(taken, 'file')} there {'were' if taken != 1 else 'was'} taken by an earlier run: left "
                 f"alone{again})")
    return f"{kind} '{node_id}': takes from the audio files put in {folder}{alone}"
