"""What the product says to people, in words: counts ("1 node", "3 nodes") and class labels ("hihat closed" for
``hihat_closed``).

Written out at each place (``f"{n} node{'s' if n != 1 else ''}"``), the plural was easy to get wrong: the run's
first line said "1 nodes, 0 links" (test_run_counts). Imports nothing of the project, so that any module may use it.
"""

from __future__ import annotations

import re
import time


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` then ``noun``, plural for any count but 1: "0 nodes", "1 node", "2 nodes". ``plural`` is for a
    noun that does not take an s ("1 copy", "2 copies")."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun + 's' if plural is None else plural}"


def label_words(label: str) -> str:
    """A model's label as a performer reads it: its identifier's words, "hihat closed" for ``hihat_closed``. The
    phone page says labels so (``words`` in ``nodes/web_recorder/static/takes.js``); keep the two alike."""
    return label.replace("_", " ")


#: A gate's reason, "not sure (LABEL 31%" (a slot may follow the figure: ", HH 40%)").
_NOT_SURE = re.compile(r"(not sure \()([^,()]+?)( \d+(?:\.\d+)?%)")


def end_in_words(end: str) -> str:
    """A take's end with the label a gate was not sure of in words ("rejected: not sure (glass breaking 31%)"); the
    rest as it is (a slot's name after it, a node's or a file's name in an error). As the phone page's
    ``endInWords``."""
    return _NOT_SURE.sub(lambda m: m[1] + label_words(m[2]) + m[3], end, count=1)


def named_label(end: str) -> str | None:
    """The label a gate's reason in ``end`` names, as it is written there (in words after :func:`end_in_words`), or
    None: "glass breaking" in "rejected: not sure (glass breaking 31%)". A take's line says its label once where its
    end names it; a test of the text ("hat 50%" in "not sure (hihat 50%)") dropped a label the end did not name."""
    found = _NOT_SURE.search(end)
    return found[2] if found else None


def clock_text(at: float) -> str:
    """The wall clock (HH:MM:SS) of the ``time.monotonic()`` instant ``at``: what the console and the nodes say an
    error or a silence began at (the monotonic clock is what they keep, as the wall clock may jump)."""
    return time.strftime("%H:%M:%S", time.localtime(time.time() - (time.monotonic() - at)))
