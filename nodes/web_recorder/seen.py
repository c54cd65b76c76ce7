"""The takes a recorder has acknowledged, by the phone's own take id, kept across restarts.

A phone that gets no answer sends its take again (after a Wi-Fi drop, or after the laptop's process was
restarted): the take must have one effect. Each acknowledged take's key (recorder, phone, the phone's take id)
and the reply it got are appended to ``seen-takes.jsonl`` in the recorder's state folder before the take flows
on, so that a retry, even after a kill -9, gets the first reply again (marked ``duplicate``) and nothing else.
A take stored but not yet written here when the process died is found again at the next start (it is not done):
its audio's header is checked and, if whole, :meth:`SeenTakes.remember` is called for it from its sidecar before the
server listens, so that a retry arriving before the take is passed on again is answered as its duplicate too. A
take whose audio is unreadable, at that check or when it is read later, has its entry withdrawn
(:meth:`SeenTakes.forget`, written down too): the phone's next retry is stored anew, in its place.

The file is appended to unbuffered, not synced to disk: a process killed keeps what it wrote (the kernel has
it); only a power cut could lose the last lines. It is rewritten with the newest ``keep`` entries at start once
it holds more than twice as many, where no other run has it open (each holds a shared lock on it: a rewrite under
another run lost the lines that run appended after it, to the file replaced). On a file system without locks, the
lock is this machine's only: the file is rewritten only once no run has written to it for an hour
(:data:`STAND_IN_QUIET`), as a run of another machine sharing the folder may be appending to it. A line that
cannot be written (a full disk) is said by its caller, naming the take, and leaves nothing of itself
(:func:`append_whole`): buffered, it stayed behind and failed again at the node's stop,
"OSError: [Errno 28] No space left on device", naming nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from exsampling_patch.takes import write_atomic

SEEN_FILE = "seen-takes.jsonl"
KEEP_SEEN = 20_000
LOCK_WAIT = 5.0  # seconds: a rewrite by another run's start holds the file a moment; anything longer is no rewrite

log = logging.getLogger("exsampling.web_recorder")

Key = tuple[str, str, str]  # recorder, phone (digest of its key), the phone's take id

#: A seen-takes file (resolved; of the state folder named, not of a temporary copy standing in for it) -> the digests
#: of the takes being stored under it now, by any recorder of this process.
#: A recorder a live edit replaced may still be storing a take its stop gave up waiting for (``STOP_WAIT``) when its
#: phone, unanswered, sends it again to the rebuilt recorder on the same state folder: each table alone took the take
#: for new, and it was stored twice and passed on twice (the late copy handed on to the rebuilt recorder: ``.late``).
_STORING: dict[Path, set[bytes]] = {}
_STORING_LOCK = threading.Lock()


def _digest(key: Key) -> bytes:
    """The table's key for ``key``: 16 bytes, where the tuple of three strings took several times that. JSON keeps
    the three apart (no two keys join to one text); 128 bits make two keys meeting by chance beyond any show."""
    return hashlib.blake2b(json.dumps(list(key)).encode(), digest_size=16).digest()


def _packed(reply: dict[str, Any]) -> bytes:
    """A reply as the table holds it: compact JSON, a fraction of the dict's size. Read back only for a retry
    (its duplicate answer) or a take lost, both rare."""
    return json.dumps(reply, separators=(",", ":")).encode()


class SeenTakes:
    """Key -> the reply the phone got (None while the take is being stored); thread-safe.

    Held as digests of the keys and packed replies (:func:`_digest`, :func:`_packed`): the table holds up to
    ``keep`` entries for the node's life.
    """

    def __init__(self, folder: Path, keep: int = KEEP_SEEN, tell: Callable[[str], None] | None = None,
                 named: Path | None = None, lock_wait: float = LOCK_WAIT) -> None:
        """``named``: the state folder the recorder was given, where ``folder`` is a temporary copy standing in for it
        (one it cannot write): the recorder an edit rebuilt has another copy, and shares the takes being stored.
        ``lock_wait``: the longest wait for the file's shared lock (:func:`open_shared`)."""
        self.path = folder / SEEN_FILE
        self.keep = keep
        self._tell = tell  # the recorder's error, for what cannot be written (remember_told, forget_told)
        self._lock = threading.Lock()
        self._replies: OrderedDict[bytes, bytes | None] = OrderedDict()
        self._waiting: dict[bytes, list[Callable[[], None]]] = {}  # called once the take of a key is settled
        lines = 0
        for key, reply in self._entries():
            lines += 1
            if key is None:
                continue  # a line cut short by a crash
            digest = _digest(key)
            self._replies.pop(digest, None)
            if reply is not None:
                self._replies[digest] = _packed(reply)
        while len(self._replies) > keep:
            self._replies.popitem(last=False)
        folder.mkdir(parents=True, exist_ok=True)
        self._shared = ((named / SEEN_FILE) if named is not None else self.path).resolve()  # its key in _STORING
        self._lock_wait = lock_wait
        self._file = open_shared(self.path, lock_wait)  # held open (and its shared lock) while the node runs
        if lines > 2 * keep:
            self._compact()

    def _entries(self) -> Iterator[tuple[Key | None, dict[str, Any] | None]]:
        """Each line of the file: its key and reply (None where it withdraws the key); (None, None) for a line
        cut short by a crash."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                    key = (str(entry["k"][0]), str(entry["k"][1]), str(entry["k"][2]))
                except (ValueError, KeyError, IndexError, TypeError):
                    yield None, None
                    continue
                yield key, None if entry.get("forget") else (entry.get("r") or {})

    def _compact(self) -> None:
        """Rewrite the file with the table's entries (:meth:`_rewrite`), where no other run has it open
        (:func:`compact_shared`)."""
        self._file = compact_shared(self._file, self.path, self._lock_wait, self._rewrite,
                                    lambda why: self._told(f"{why}: every take it holds is kept, and it is appended "
                                                           "to as it is"))

    def _rewrite(self) -> None:
        """The file with the table's entries only, in its order: their keys read again from the file, since the
        table holds digests."""
        lines: dict[bytes, str] = {}
        for key, reply in self._entries():
            if key is None or reply is None:
                continue
            digest = _digest(key)
            if digest in self._replies:
                lines[digest] = json.dumps({"k": list(key), "r": reply}) + "\n"
        text = "".join(lines[digest] for digest in self._replies if digest in lines)
        write_atomic(self.path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def claim(self, key: Key) -> tuple[bool, dict[str, Any] | None]:
        """(True, None) if the take is new (now claimed); (False, the earlier reply or None while in progress)."""
        digest = _digest(key)
        with self._lock:
            if digest in self._replies:
                packed = self._replies[digest]
                return False, None if packed is None else json.loads(packed)
            with _STORING_LOCK:
                storing = _STORING.setdefault(self._shared, set())
                if digest in storing:  # by the recorder an edit replaced: a 409, the phone's next retry its duplicate
                    return False, None
                storing.add(digest)
            self._replies[digest] = None
            return True, None

    def reply(self, key: Key) -> dict[str, Any] | None:
        """The reply ``key``'s take got; None where it has none (unknown, or still being stored)."""
        with self._lock:
            packed = self._replies.get(_digest(key))
        return None if packed is None else dict(json.loads(packed))

    def late(self, key: Key, reply: dict[str, Any], then: Callable[[], None]) -> tuple[bool, dict[str, Any] | None]:
        """A take stored late (:mod:`.late`) of ``key``, to be answered ``reply`` if it is the phone's first. In one
        hold of the table's lock: (True, None) where ``key`` was unknown (``reply`` remembered now: a retry claimed from
        here on is its duplicate); (False, None) where a take of ``key`` is being stored (``then`` called once it is
        settled: :meth:`settled`); else (False, the reply known). Looked at and remembered in two steps, a retry
        claimed in between found the key still empty: the late take and its retry both went through the patch.

        ``_STORING`` is not looked at: it holds the late take's own key while it is handed on (its recorder settles it
        after); and a take of the key that another table of the file is storing is, after an edit, one a stopped
        recorder stores late: handed on here once stored, it meets this reply and is written down as done, not passed
        on. One of the two goes through the patch, whichever reaches this table first."""
        digest = _digest(key)
        with self._lock:
            if digest in self._replies:
                packed = self._replies[digest]
                if packed is None:
                    self._waiting.setdefault(digest, []).append(then)
                    return False, None
                return False, json.loads(packed)
            try:
                self._put(digest, key, reply)
                return True, None
            except OSError as error:  # kept in memory all the same (_put), told below, outside the lock
                failed = error
        self._told(f"the recorder's state could not be written ({self.path}: {failed.strerror or failed}): a retry "
                   f"of take {reply['take_id']} after a restart would be stored again")
        return True, None

    def release(self, key: Key) -> None:
        """A claimed take was not stored (refused, failed): the phone may send it again."""
        digest = _digest(key)
        with self._lock:
            if digest in self._replies and self._replies[digest] is None:
                del self._replies[digest]
        self.settled(key)

    def settled(self, key: Key) -> None:
        """A claimed take is no longer being stored: stored (remembered here, or, stored after the stop, handed on
        to the recorder started since on its folder, which remembers it) or released. Another table of the same file
        may claim it from now on."""
        digest = _digest(key)
        with _STORING_LOCK:
            storing = _STORING.get(self._shared)
            if storing is not None:
                storing.discard(digest)
                if not storing:
                    del _STORING[self._shared]
        with self._lock:
            waiting = self._waiting.pop(digest, [])
            if digest in self._replies and self._replies[digest] is None:
                # Handed on late, remembered by the recorder that took it: none of this table's, not being stored
                del self._replies[digest]
        for then in waiting:  # outside the lock: each hands its take on again
            then()

    def remember(self, key: Key, reply: dict[str, Any]) -> None:
        """The take is stored and will be acknowledged with ``reply``: written down before it flows on (an OSError
        where that fails: kept in memory all the same)."""
        with self._lock:
            self._put(_digest(key), key, reply)

    def _put(self, digest: bytes, key: Key, reply: dict[str, Any]) -> None:
        """:meth:`remember`, the table's lock held."""
        self._replies.pop(digest, None)
        self._replies[digest] = _packed(reply)
        while len(self._replies) > self.keep:
            self._replies.popitem(last=False)
        if not self._file.closed:
            append_whole(self._file, json.dumps({"k": list(key), "r": reply}) + "\n")

    def forget(self, key: Key, take_id: str) -> bool:
        """Withdraw ``key`` if its reply names ``take_id`` (a take stored, then lost): a retry is then a new take.

        Written down like :meth:`remember`, so the withdrawal holds across restarts. An entry naming another take
        (the phone's retry already stored anew) is kept. Returns whether the entry was withdrawn.
        """
        line = json.dumps({"k": list(key), "forget": True}) + "\n"
        digest = _digest(key)
        with self._lock:
            packed = self._replies.get(digest)
            if packed is None or json.loads(packed).get("take_id") != take_id:
                return False
            del self._replies[digest]
            if not self._file.closed:
                append_whole(self._file, line)
            return True

    def adopt(self, other: SeenTakes) -> None:
        """What ``other``, a table of the same state folder on another temporary copy (a recorder an edit renamed,
        stopped now), wrote that this one lacks: its takes remembered here, its withdrawals made here where this one
        has the take withdrawn (not a retry stored anew)."""
        final: dict[bytes, tuple[Key, dict[str, Any] | None]] = {}
        withdrawn_take: dict[bytes, str] = {}
        for key, reply in other._entries():
            if key is None:
                continue
            digest = _digest(key)
            earlier = final.pop(digest, None)
            if reply is None and earlier is not None and earlier[1] is not None:
                withdrawn_take[digest] = str(earlier[1].get("take_id", ""))
            final[digest] = (key, reply)
        for digest, (key, reply) in final.items():
            if reply is None:
                if digest in withdrawn_take:
                    self.forget_told(key, withdrawn_take[digest])
                continue
            with self._lock:
                known = digest in self._replies
            if not known:
                self.remember_told(key, reply)

    def remember_told(self, key: Key, reply: dict[str, Any]) -> None:
        """:meth:`remember`, in memory even where writing it fails: told (``tell``), and the recorder goes on."""
        try:
            self.remember(key, reply)
        except OSError as error:
            self._told(f"the recorder's state could not be written ({self.path}: {error.strerror or error}): a retry "
                       f"of take {reply['take_id']} after a restart would be stored again")

    def forget_told(self, key: Key, take_id: str) -> None:
        """:meth:`forget` a lost take's reply, in memory even where writing it down fails: told (``tell``); the take is
        still set aside and its end told."""
        try:
            self.forget(key, take_id)
        except OSError as error:
            self._told(f"the recorder's state could not be written ({self.path}: {error.strerror or error}): after a "
                       f"restart, the phone's retry of take {take_id} would be answered as already received, not "
                       "stored")

    def _told(self, text: str) -> None:
        if self._tell is not None:
            self._tell(text)

    def __contains__(self, key: object) -> bool:
        if not (isinstance(key, tuple) and len(key) == 3 and all(isinstance(part, str) for part in key)):
            return False
        digest = _digest(key)
        with self._lock:
            return digest in self._replies


class SharedFile(io.FileIO):
    """A state file opened to append by :func:`open_shared`, and the file its lock stands in, where its own file system
    gives no locks (:func:`_stand_in`): closed with it."""

    lock_file: io.FileIO | None = None

    def lock_fd(self) -> int:
        """The descriptor its lock is taken on."""
        return self.lock_file.fileno() if self.lock_file is not None else self.fileno()

    def close(self) -> None:
        if self.lock_file is not None:
            self.lock_file.close()
        super().close()


def open_shared(path: Path, wait: float = LOCK_WAIT) -> SharedFile:
    """``path`` opened to append (unbuffered) under a shared lock, which each run holds while it runs: a start
    rewrites the file only where it alone has it (:func:`compact_shared`). Opened again where a rewrite replaced it
    while this waited. On a file system without locks, the lock is taken on a file of this machine's standing in for
    it (:func:`_stand_in`): runs of other machines are not seen (a start rewrites such a file only once it is left
    quiet long enough: :data:`STAND_IN_QUIET`). A lock not had within ``wait`` seconds (another
    program holds the file locked) or not given at all is gone without, logged: the recorder starts all the same,
    never hangs."""
    deadline = time.monotonic() + wait
    while True:
        file = SharedFile(path, "ab")  # held open while the node runs
        why = _lock_shared(file.fileno(), deadline)
        if why is not None and why.startswith(_NO_LOCKS):
            why = _lock_stand_in(file, path, why, deadline)
        if why is not None:
            log.warning("%s: %s: appended to without its lock", path, why)
            return file
        try:
            same = os.fstat(file.fileno()).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return file
        file.close()  # a rewrite replaced it meanwhile: the new one


def _lock_stand_in(file: SharedFile, path: Path, why: str, deadline: float) -> str | None:
    """Lock the file standing in for ``path``'s on this machine (``file``'s, whose file system gives no locks, ``why``
    says so): None where it was had, else why not. Without it, such a file was never rewritten shorter, and grew
    with each take for as long as the state folder was used."""
    try:
        stand_in = open(_stand_in(path), "ab", buffering=0)  # noqa: SIM115 - held open with the file
    except OSError as error:  # another user's folder, a full /tmp: as before, no lock at all
        return f"{why}; none on this machine either ({error.strerror or error})"
    stand_why = _lock_shared(stand_in.fileno(), deadline)
    if stand_why is not None:
        stand_in.close()
        return f"{why}; {stand_why} on this machine's stand-in"
    file.lock_file = stand_in
    log.info("%s: %s: locked for the runs of this machine only, in %s", path, why, stand_in.name)
    return None


def _stand_in(path: Path) -> Path:
    """The file whose lock stands in for that of ``path`` (a file system without locks): in this machine's temporary
    folder, named by the resolved path, shared by its users (the folder writable by all, as /tmp)."""
    folder = Path(tempfile.gettempdir()) / "exsampling-state-locks"
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(OSError):  # another user made it meanwhile
            folder.chmod(0o1777)
    name = hashlib.blake2b(str(path.resolve()).encode(), digest_size=16).hexdigest()
    made = folder / f"{name}.lock"
    if not made.exists():
        made.touch()
        with contextlib.suppress(OSError):
            made.chmod(0o666)  # a run of another user on the same folder locks it too
    return made


def compact_shared(file: SharedFile, path: Path, wait: float, rewrite: Callable[[], None],
                   tell: Callable[[str], None]) -> SharedFile:
    """Run ``rewrite`` (which replaces ``path``, ``file`` opened by :func:`open_shared`) unless another run has the file
    open too: its lines appended after the rename went to the file replaced, lost for every start after. Where the
    rewrite fails (a full disk, a folder that takes no new file), ``tell`` says why and the file is appended to as it
    is: raised, it stopped the recorder's start. A file locked by a stand-in is rewritten only once quiet
    (:func:`_quiet_elsewhere`). Shared by the state files a start rewrites shorter (seen-takes,
    phone-takes). Returns the file to append to from now on, under its shared lock."""
    quiet = _quiet_elsewhere(file, path)
    if quiet is not None:
        log.info("%s is left as it is: %s", path, quiet)
        return file
    try:
        fcntl.flock(file.lock_fd(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        # Another run holds it: left long, rewritten at a later start. A failed upgrade may have dropped the shared
        # lock: opened again, a rewrite meanwhile is followed.
        log.info("%s is left as it is: another run has it open", path)
    except OSError as error:  # no run can be told to have it open or not (some network and FUSE mounts)
        log.info("%s is left as it is: its file system gives no locks (%s)", path, error.strerror or error)
    else:
        try:
            rewrite()
        except OSError as error:
            tell(f"the recorder's state file {path} could not be rewritten shorter ({error.strerror or error})")
    # Closed first, as its own lock (exclusive, for a rewrite) would keep out the new one's; after a rewrite, the new
    # file, the replaced one's lock let go with it, for a run waiting on it.
    file.close()
    return open_shared(path, wait)


_NO_LOCKS = "its file system gives no locks"

#: Seconds a state file locked by a stand-in (:func:`_lock_stand_in`) must have been left unchanged before a start
#: rewrites it: the stand-in sees only this machine's runs, and a run of another machine sharing the folder appending
#: to it lost its lines to the file replaced. An hour with no take written by any run is taken for none running
#: elsewhere; safety over size: a folder in use on two machines at once is never rewritten, only one left quiet that
#: long (a run elsewhere idle for over an hour at this start is the one case still lost).
STAND_IN_QUIET = 3600.0


def _quiet_elsewhere(file: SharedFile, path: Path) -> str | None:
    """Why ``path`` (``file``, locked by a stand-in) must not be rewritten: changed within :data:`STAND_IN_QUIET`, a run
    of another machine may be appending to it. None: no stand-in (its own lock tells), or quiet long enough."""
    if file.lock_file is None:
        return None
    try:
        age = time.time() - os.stat(path).st_mtime
    except OSError as error:
        return f"its age is unknown ({error.strerror or error})"
    if age >= STAND_IN_QUIET:
        return None
    return (f"its file system gives no locks, and it changed {age:.0f} s ago: a run of another machine may be "
            "appending to it")


def _lock_shared(fd: int, deadline: float) -> str | None:
    """Take a shared lock on ``fd``, waiting until ``deadline`` at most (polled: a blocking wait never ended if the
    holder never let go). None where it was had, else why not."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return None
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return "another program holds it locked"
            time.sleep(0.01)
        except OSError as error:
            return f"{_NO_LOCKS} ({error.strerror or error})"


def append_whole(file: io.FileIO, line: str | bytes) -> None:
    """Append ``line`` to ``file`` (opened "ab", unbuffered) whole, or raise OSError (a full disk) leaving none of it:
    a part written is cut off again, so that the next line is not joined to it (both unreadable at the next start)."""
    data = line.encode("utf-8") if isinstance(line, str) else line
    start = file.seek(0, os.SEEK_END)  # appended there; not tell(): a cut leaves it past the end
    try:
        done = 0
        while done < len(data):  # a disk filling up mid-line writes a part, then fails
            done += file.write(data[done:])
    except OSError:
        with contextlib.suppress(OSError):  # else the part stays: read as a line cut short by a crash
            file.truncate(start)
        raise
