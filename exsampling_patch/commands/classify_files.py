"""Which file each message of ``exsampling classify --patch``'s chain is of: each file's takes carry its mark
(:data:`FILE_MARK`), a node's context notes the files whose fates it told, and what a node's own thread sends late
(of a file classify stopped waiting for) is told, not taken as the next file's. It imports nothing of the chain
(``classify_chain.py`` holds a :class:`FileMarks` and makes its nodes' contexts :class:`FileContext`).
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exsampling_patch.context import NodeContext

if TYPE_CHECKING:
    from exsampling_patch.node import Node

#: How long classify waits for a node that answers from a thread of its own to pass a take on (by default: a
#: :class:`FileMarks` is given its own, as a test gives a short one).
LATE_SECONDS = 2.0

#: How long a node that owes a file a take must pass nothing more on before classify tells which file each take it
#: made anew is of (:meth:`FileMarks.wait`): one that passes two on at once is heard out, not cut after the first.
SETTLE_SECONDS = 0.2

#: The take's meta entry that says which file it is of, kept through the nodes as Take.derive keeps meta.
FILE_MARK = "classify_file"


class FileContext(NodeContext):
    """A node's context here: each fate it tells noted with the file (:data:`FILE_MARK`) of the take it is of, a
    take it closes (:meth:`close_take`) or ends by its id (:meth:`tell_fate_of`) as well: their files were waited
    for 2 s, and said "no take within 2 s" where the node had said it dropped them."""

    def __init__(self, base_dir: Path) -> None:
        super().__init__(base_dir)
        self.fated: list[str | None] = []
        self.files: dict[str, str] = {}  # take id -> the file (mark) of the take handed to the node under it

    def tell_fate(self, node_id: str, take: Any, fate: str, reason: str) -> None:
        super().tell_fate(node_id, take, fate, reason)
        self._note(take)

    def close_take(self, node_id: str, take: Any, not_loaded: str) -> None:
        super().close_take(node_id, take, not_loaded)
        self._note(take)

    def tell_fate_of(self, node_id: str, take_id: str, recorder: str, fate: str, reason: str) -> None:
        super().tell_fate_of(node_id, take_id, recorder, fate, reason)
        self.fated.append(self.files.get(take_id))

    def _note(self, take: Any) -> None:
        from exsampling_patch.runtime.ledger import take_of

        told = take_of(take)
        self.fated.append(told.meta.get(FILE_MARK) if told is not None else None)


def fated(node: Node, mark: str) -> bool:
    """Whether ``node`` told the fate of a take of the file ``mark`` (or of one that carries no file's mark) since
    :attr:`FileContext.fated` was emptied: the fates it told of earlier files ended the wait for this one's take,
    which was said dropped."""
    return isinstance(node.context, FileContext) and any(told in (mark, None) for told in node.context.fated)


class FileMarks:
    """The files run through the chain, one at a time (:meth:`begin`), and what each node sent of which;
    ``late_seconds``: how long :meth:`wait` waits for a node's own thread."""

    def __init__(self, late_seconds: float = LATE_SECONDS) -> None:
        self.late_seconds = late_seconds
        self._marks = (str(number) for number in itertools.count(1))
        self.mark: str | None = None  # the file being run
        self._names: dict[str, str] = {}  # mark -> the file's take id, to tell it by
        self._owed: dict[str, set[str]] = {}  # node id -> the files it sent nothing of within the wait
        self._kept: dict[str, list[tuple[str, Any]]] = {}  # node id -> what it sent of this file, not yet taken
        self._told: set[tuple[str, str]] = set()  # (node id, mark) of what was told late
        self._prompt: set[str] = set()  # the nodes that passed a take made anew on in time, owing no file
        self._anew: dict[str, list[tuple[str, Any]]] = {}  # node id -> such a node's takes made anew while it owes
        #: What a node sent of an earlier file, after classify had stopped waiting for it: not followed, told.
        self.late: list[str] = []

    def begin(self, take_id: str) -> str:
        """The next file, ``take_id``: its mark."""
        for node_id in list(self._anew):  # not waited for (the node told the last file's fate): of the files owed
            self._settle(node_id, in_hand=False)
        mark = self.mark = next(self._marks)
        self._names[mark] = take_id
        self._kept = {}  # what nothing took of the file before (another output of a node) is not this file's
        return mark

    def name(self) -> str:
        """The take id of the file being run ('' before the first)."""
        return self._names.get(self.mark or "", "")

    def owe(self, node_id: str, mark: str) -> None:
        """``node_id`` sent nothing of the file ``mark`` within the wait: what it sends later is told as late."""
        self._owed.setdefault(node_id, set()).add(mark)

    def take_kept(self, node_id: str) -> list[tuple[str, Any]]:
        """What ``node_id`` sent of this file and nothing took yet, as ``(port, message)``; taken from the list."""
        kept, self._kept[node_id] = self._kept.get(node_id, []), []
        return kept

    def collect(self, node: Node) -> None:
        """Take what ``node`` sent from its list, one message at a time (its own thread may add to it meanwhile):
        the file's own kept (:meth:`take_kept`); what is of an earlier file, or of no file known while one is still
        owed (taken as the oldest owed one's, or, from a node that has passed such takes on in time, held for
        :meth:`wait` to tell), told in :attr:`late`."""
        from exsampling_patch.runtime.ledger import take_of

        kept, owed = self._kept.setdefault(node.node_id, []), self._owed.setdefault(node.node_id, set())
        emitted = node.context.emitted
        while emitted:
            port, message = emitted.pop(0)
            take = take_of(message)
            mark = take.meta.get(FILE_MARK) if take is not None else None
            if mark == self.mark or (mark not in self._names and not owed):
                if mark not in self._names:
                    self._prompt.add(node.node_id)
                kept.append((port, message))
            elif mark in self._names:
                owed.discard(mark)
                if (node.node_id, mark) not in self._told:  # once: a node that splits may send several
                    self._told.add((node.node_id, mark))
                    self.late.append(f"{self._names[mark]}: {node.node_id} passed it on after classify had gone on "
                                     "to the next file: what it passed on is not followed further")
            elif node.node_id in self._prompt:
                # A take made anew (not with take.derive) carries no file's mark. From a node that answered in time
                # before, it may be the file in hand's, the owed one dropped without a word: wait() tells which.
                self._anew.setdefault(node.node_id, []).append((port, message))
            else:
                # With a file still owed, it is taken as the oldest one's (a node passes takes on in the order it
                # got them: one always a file behind has never answered in time).
                self._late_anew(node.node_id, min(owed, key=int))

    def _late_anew(self, node_id: str, mark: str) -> None:
        self._owed[node_id].discard(mark)
        self.late.append(f"{self._names[mark]}: {node_id} passed on a take made anew (not with take.derive) after "
                         "classify had gone on to the next file: taken as this file's, the oldest it got nothing of in "
                         "time, it is not followed further")

    def _settle(self, node_id: str, in_hand: bool = True) -> None:
        """Which file each take made anew that ``node_id`` passed on while it owed files is of: the last the file
        in hand's (``in_hand``), the ones before it the oldest owed files', one each, and the files still owed then
        taken as dropped (a node passes takes on in the order it got them). A node that dropped one file without a
        word had every later take taken as the file before's, each row said "no take within 2 s"."""
        anew, owed = self._anew.pop(node_id, []), self._owed.setdefault(node_id, set())
        oldest = sorted(owed, key=int)[:len(anew) - 1 if in_hand else len(anew)]
        for mark in oldest:
            self._late_anew(node_id, mark)
        if in_hand:
            owed.clear()
            self._kept.setdefault(node_id, []).extend(anew[len(oldest):])

    def wait(self, node: Node, out_port: str) -> list[Any]:
        """What ``node`` sends of this file on ``out_port`` from its own thread within :attr:`late_seconds`; takes
        made anew while it owes files, once it has passed one on for each owed file and this one and nothing more
        for :data:`SETTLE_SECONDS`, or at the end of the wait."""
        until = time.monotonic() + self.late_seconds
        heard, since = 0, time.monotonic()
        while True:
            self.collect(node)
            now, anew = time.monotonic(), self._anew.get(node.node_id, [])
            if len(anew) != heard:
                heard, since = len(anew), now
            # Settled early only once there is a take for each owed file and the one in hand: a node late once (past
            # the wait) whose late take came first would else have had it taken as this file's, and every later
            # file the one before's, without a note. Fewer takes than that are judged at the end of the wait.
            accounted = len(anew) > len(self._owed.get(node.node_id, ()))
            if anew and ((accounted and now - since >= SETTLE_SECONDS) or now >= until or node.stop_event.is_set()):
                self._settle(node.node_id)
            sent = [m for port, m in self._kept[node.node_id] if port == out_port]
            if sent:
                self._kept[node.node_id] = [(port, m) for port, m in self._kept[node.node_id] if port != out_port]
                return sent
            if now >= until or node.stop_event.is_set():
                return []
            time.sleep(0.01)
