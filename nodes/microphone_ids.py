"""Take ids free in their folder, for the microphone and the web recorder: a name (the node id, the recorder's), the
second the take was cut or came in (local time), and an end (a count, a count and a random part) that no take in the
folder, nor one this process gave out within that second, has with them.

The microphone's count was the take's number in the node's start, from 1 at each start: a take cut within the second
of one the node a live edit replaced cut (or the run before a Stop, then Run) got that take's id. Stored, it took that
take's files (its audio gone), found its row in the journal (written down as done before its own end: a crash left it
never passed on again), and its end, in the same run, was told as that take's, told already. The web recorder's
random part made that unlikely, not impossible. Now an id goes on past one whose audio or sidecar is in the folder, or
that was given out in this process (a take still being stored on a slow disk by the node replaced: no file yet).
Compared as file names (:func:`file_stem`): node ids 'mic 1' and 'mic_1' name the same files.

The ends offered are tried :data:`MAX_TRIES` at most: the web recorder's are random, 65,536 of them a second, and with
every one taken its request thread looped for ever (the lock held, every recorder and microphone of the process stuck
with it). It is told as an error instead, naming the folder; the phone's take is refused and sent again.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Iterable, Iterator

from exsampling_patch.takes import TakeStore, file_stem, sidecar_path

__all__ = ["MAX_TRIES", "RANDOM_PARTS", "free_take_id", "new_take_id", "random_ends"]

#: The random parts of a take id in one second (four hex digits), for the web recorder.
RANDOM_PARTS = 1 << 16

#: The most ends of one call looked at: every random part of a second (the web recorder walks all of them from a
#: random one, so a free one is found however few are left), far past any second's takes of one name.
MAX_TRIES = RANDOM_PARTS

#: A name's file stem -> the second of the last take id given out under it, and the ids' file stems given out in it.
_GIVEN: dict[str, tuple[str, set[str]]] = {}
_LOCK = threading.Lock()


def new_take_id(store: TakeStore, node_id: str, count: int) -> str:
    """A take id for node ``node_id``'s take cut now, stored in ``store``: its count ``count`` (the take's number in
    this start), or the first one after it that is free."""
    return free_take_id(store, node_id, (f"{n:04d}" for n in itertools.count(count)))


def random_ends(number: int) -> Iterator[str]:
    """The web recorder's ends for its take ``number``: the count, then each of the :data:`RANDOM_PARTS` random parts
    once, walked from a random one. Drawn afresh each try, a second holding all but a few of them missed those few
    within :data:`MAX_TRIES` about one time in eleven, and the phone's take was refused."""
    first = secrets.randbelow(RANDOM_PARTS)
    return (f"{number:04d}{(first + step) % RANDOM_PARTS:04x}" for step in range(RANDOM_PARTS))


def free_take_id(store: TakeStore, name: str, ends: Iterable[str]) -> str:
    """The first take id ``<name>-<this second>-<end>``, of ``ends`` in turn, free in ``store``'s folder and not
    given out in this process within this second. :class:`ValueError` once :data:`MAX_TRIES` are taken."""
    key = file_stem(name)
    with _LOCK:  # the second read under the lock: read before, a caller of the next second could be undone by it
        stamp = time.strftime("%Y%m%d-%H%M%S")
        last, given = _GIVEN.get(key, ("", set()))
        if last != stamp:  # ids of an earlier second cannot be given again: forgotten
            given = set()
            _GIVEN[key] = (stamp, given)
        for end in itertools.islice(ends, MAX_TRIES):
            take_id = f"{name}-{stamp}-{end}"
            stem = file_stem(take_id)
            audio = store.folder / f"{stem}{store.suffix}"
            if stem not in given and not audio.exists() and not sidecar_path(audio).exists():
                given.add(stem)
                return take_id
    raise ValueError(f"no free take id for {name!r} in the take folder {store.folder}: the {MAX_TRIES} tried in the "
                     f"second {stamp} are all taken by its files or by takes given out in it")
