"""Counts said in words: "1 node", "3 nodes".

Written out at each place (``f"{n} node{'s' if n != 1 else ''}"``), the idiom was easy to get wrong: the run's
first line said "1 nodes, 0 links" (test_run_counts). Imports nothing, so that any module may use it.
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` then ``noun``, plural for any count but 1: "0 nodes", "1 node", "2 nodes". ``plural`` is for a
    noun that does not take an s ("1 copy", "2 copies")."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun + 's' if plural is None else plural}"
