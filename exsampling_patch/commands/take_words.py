"""Short words for the stage console's take lines, read at a glance under a burst.

Two phones and Live absent gave lines of 150-250 characters, each naming its take by the recorder's long id
("take Bo-20261206-143333-0001dff0 from Bo") and repeating Live's reason ("not delivered to Live: nothing listens on
127.0.0.1:11000"). A recorder's take is now named by its id's last part, the phone by "from Bo" beside it (the show
log and the JSON lines keep the whole id, which ends with that part); Live's reason is said once, on a line of its
own, and each take's line says "not in Live" until Live is back, or gives another reason.
"""

from __future__ import annotations

import re

from exsampling_patch.patch import Patch

#: A web recorder's take id, "<phone>-<YYYYMMDD>-<HHMMSS>-<count and random part>": the last part names it.
_RECORDER_ID = re.compile(r"^.+-\d{8}-\d{6}-([0-9a-f]{8})$")
#: Where a take's end goes on with another output's word on it ("slot HH, not loaded into sampler ..., not
#: delivered to Live: ...", then a node's error on it, "error in fx: ..."): each word, told apart.
_NEXT_WORD = re.compile(r", (?=not (?:loaded into|delivered to|sent to) |error in )")
#: Live's word on a take that lasts while Live is away, and the node types that say it.
_LIVE_WORDS = {"not delivered to Live": ("ableton_max",), "not loaded into Live": ("ableton_live",)}
_LIVE_WORD = re.compile(r"^(not delivered to Live|not loaded into Live): (.+)$", re.S)
#: Reasons that are the take's own, not Live's state (its file deleted, a newer take sent instead): said in full.
_TAKES_OWN = re.compile(r"^(its file .* is gone|a newer take of )")
#: Status keys by which a Live node says Live is back (nodes/ableton.py), or answered a load (``live_loaded``): a
#: timeout while Live was busy ("did not answer within 2 s") is ended by Live's late answer, told only so, and the
#: next timeout's take line said "not in Live" with its reason said takes before, or never since Live answered.
_LIVE_BACK = ("device_listens", "live_answers", "abletonosc_answers", "live_loaded")
#: How a take line says a take Live does not have, its reason said on the node's line.
NOT_IN_LIVE = "not in Live"


def take_name(take_id: str, recorder: str) -> str:
    """A take's name on its line: "take 0001dff0" for a recorder's (said "from Bo" beside it), "take 7" (its id
    "take 7"), or "take <id>"."""
    if take_id.startswith("take"):
        return take_id
    short = _RECORDER_ID.match(take_id) if recorder else None
    return f"take {short.group(1) if short else take_id}"


class LiveWords:
    """What Live said of the takes, told once: :meth:`shorten` gives a take's not-loaded words with Live's lasting
    reason put as "not in Live", and the node line to say first where that reason is new. Not thread-safe: the
    console calls it under its lock."""

    def __init__(self, patch: Patch) -> None:
        self.patch = patch
        self._told: dict[str, str] = {}  # Live's word ("not delivered to Live") -> the reason its node line said
        #: Live's word -> its node's error told on the console: where that error said the reason, no line says it
        #: again ("nothing listens on 127.0.0.1:10500: ... is Live running ...?", then the same reason on a line of
        #: its own: twice, where the performer needs it once, in the node's fuller words).
        self._node_said: dict[str, str] = {}

    def shorten(self, not_loaded: str) -> tuple[str, list[str]]:
        """``not_loaded`` (a slot end's words after its slots) with each lasting Live reason as "not in Live", and
        the node lines to say before the take's: those reasons not said yet."""
        words: list[str] = []
        lines: list[str] = []
        for word in _NEXT_WORD.split(not_loaded):
            live = _LIVE_WORD.match(word)
            if live is None or _TAKES_OWN.match(live.group(2)):
                words.append(word)
                continue
            said, reason = live.group(1), live.group(2)
            if self._told.get(said) != reason:
                self._told[said] = reason
                error = self._node_said.get(said, "")
                if error != reason and not error.startswith(f"{reason}: "):
                    lines.append(f"{self._node_of(said)}: {word}; take lines say \"{NOT_IN_LIVE}\" while it lasts")
            if NOT_IN_LIVE not in words:  # two Live nodes, both without it: said once
                words.append(NOT_IN_LIVE)
        return ", ".join(words), lines

    def status(self, node_type: str, status: dict[str, object], back: bool) -> None:
        """A node's status: a Live node's word that Live is back ends its reason; the next is said again."""
        if not (back or any(key in status for key in _LIVE_BACK)):
            return
        for said, types in _LIVE_WORDS.items():
            if node_type in types:
                self._told.pop(said, None)
                self._node_said.pop(said, None)

    def error(self, node_type: str, error: str) -> None:
        """A node's error, told on the console: a Live node's that says Live's reason leaves it unsaid on a line of
        its own."""
        for said, types in _LIVE_WORDS.items():
            if node_type in types:
                self._node_said[said] = error

    def _node_of(self, said: str) -> str:
        """The node that says ``said``, as the console names nodes ("ableton_max 'live'"); "Live" where several
        could."""
        types = _LIVE_WORDS[said]
        nodes = [(node_id, spec.type) for node_id, spec in self.patch.nodes.items() if spec.type in types]
        return f"{nodes[0][1]} '{nodes[0][0]}'" if len(nodes) == 1 else "Live"
