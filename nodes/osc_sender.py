"""The OSC sender process of :mod:`~exsampling_patch.nodes.osc_outbox`: it reads length-prefixed frames from its
stdin, sends each datagram once it holds the sent log's lock, and logs its key (see that module for why a process).
A bundle whose take file is gone when its turn comes (deleted by hand while the sender waited for the lock) is not
sent: it says ``gone``, and the patch tells it.

Run as a script (``python -I -S osc_sender.py LOG``), standard library only: it imports nothing of the patch.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from queue import SimpleQueue
from typing import IO, Any

__all__ = ["BATCH", "BATCH_SECONDS", "KEEP", "QUIET_SECONDS", "Stop", "append_key", "open_log", "read_exactly",
           "read_sent", "rewrite_log", "send_datagram", "serve"]

KEEP = 20_000
"""Keys read back from the log (the newest); the file is rewritten when it holds twice as many."""
QUIET_SECONDS = 1.0
"""How long a sender waits for the log's lock before it says another run holds it: a killed patch's sender, which
holds it while it sends what is left in its pipe, lets go within milliseconds."""
BATCH = 32
"""How many datagrams go at most in :data:`BATCH_SECONDS`. A start that sends again hundreds of kept takes (or a
sender that waited for another run's lock) sent them all at once; a receiver's default UDP buffer holds about 256
small datagrams (rmem_default 212992), so whatever the receiver had not read by then was lost. The receiver is
``ableton_max``'s: the original Max for Live device, which is not in this repository and whose reads are not known
here (``ableton_live`` sends through its own link, not this sender). Takes come seconds apart in a show: only such a
burst is ever paced, 320 a second, an eighth of that buffer every 0.1 s."""
BATCH_SECONDS = 0.1
LENGTH = struct.Struct(">I")


def _whole_key(line: bytes) -> str:
    """``line``'s key, or "" where it cannot be a whole one: a key is a take id, a tab and a slot, never empty (an
    empty slot is a row removed), in UTF-8. Cut by a full disk and ended by a run before its take-back (or whose
    take-back failed), a line that holds no tab, ends in one or stops inside a character is no key. A cut after
    the slot's first letter (``take-1\\tH`` of ``take-1\\tHH``) cannot be told from a whole key: only the last line,
    never ended, is known to be cut."""
    try:
        key = line.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return key if "\t" in key and not key.endswith("\t") else ""


def read_sent(log: Path, keep: int = KEEP) -> tuple[OrderedDict[str, None], int]:
    """The newest ``keep`` keys of a sent log (empty when there is none yet) and how many lines it holds.

    A last line without its newline is a key a full disk cut short whose take-back failed: maybe a part of another
    key (``take-1\\tH`` of ``take-1\\tHH``), whose take would then be skipped and never reach Live. Left out, its own
    take is at worst sent again; :func:`append_key` blanks it (blank lines are no keys). Nor is a line that is no
    whole key a key."""
    try:  # split on "\n" alone: a take id may hold a "\r" (a node id may), which must not end its line
        lines = log.read_bytes().split(b"\n")
    except FileNotFoundError:
        return OrderedDict(), 0
    keys = (_whole_key(line) for line in lines[:-1][-keep:])
    return OrderedDict.fromkeys(key for key in keys if key), len(lines) - 1


def open_log(log: Path) -> int:
    """The sent log ``log`` opened for :func:`append_key` (made if need be): appended to, and its last byte read."""
    return os.open(log, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        wrote = os.write(fd, view)
        if not wrote:  # never loop on nothing written
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[wrote:]


def _sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries (a rename in it) to disk, where its file system allows."""
    with contextlib.suppress(OSError):  # some file systems refuse to open or fsync a folder: nothing more to do
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def rewrite_log(log: Path, keys: Iterable[str]) -> bool:
    """Replace the sent log ``log`` (its lock held) with ``keys``, one a line, only once they are whole on disk:
    written to a temporary file, flushed, renamed over the log, and the rename flushed. The file renamed before
    its data reached the disk could be empty or short after a power cut, and the takes sent before went to Live a
    second time. Where it fails (a full disk) the temporary file goes and the log stays whole, only longer: False.
    """
    try:
        replace_whole(log, log.with_name(log.name + ".tmp"), "".join(f"{key}\n" for key in keys).encode("utf-8"))
    except OSError:
        return False
    return True


def replace_whole(path: Path, tmp: Path, data: bytes) -> None:
    """Put ``data`` in ``path`` whole or not at all: written to ``tmp``, flushed to disk, renamed over ``path``, and
    the rename flushed. Raises :class:`OSError` where it fails (a full disk), ``tmp`` removed, ``path`` as it was."""
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_folder(path.parent)


def _line_start(fd: int, end: int) -> int:
    """Where the last line of the file open as ``fd`` (``end`` bytes long) begins: just after its last newline."""
    at = end
    while at > 0:
        start = max(0, at - 4096)
        newline = os.pread(fd, at - start, start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        at = start
    return 0


def append_key(fd: int, key: str, log: Path) -> None:
    """Append ``key``'s line to the sent log ``log`` (open as ``fd``: :func:`open_log`), whole or not at all.

    A full disk cut a line short and the write said nothing but its count: the next key ran on from the cut one,
    neither was read back, and a take redone after a restart went to Live a second time. A line not written whole
    is taken back, its own bytes made newlines in place (blank lines, which :func:`read_sent` skips), and raises
    :class:`OSError`, its text naming the log and the problem, for the node to tell. A last line cut short all the
    same (its take-back failed too, or a run before that left it) is ended by a newline that begins ours, and blanked
    once our write shows it dead (ended, it could read as another key: :func:`read_sent`); its take, told as not
    logged, is at worst sent again.

    The rule of :func:`exsampling_patch.journal_lines.append_line` (copied: this runs with the standard library
    alone): nothing here shortens the file. It cut a cut line back, safe only while one process appends (the sender
    holds the log's lock all run); a cut at a size looked at before takes another appender's line too (two processes
    lost lines so, commits 2332ba82 and 5a4cd0d9)."""
    line = f"{key}\n".encode()
    end = os.lseek(fd, 0, os.SEEK_END)
    try:
        cut: tuple[int, bytes] | None = None
        if end and os.pread(fd, 1, end - 1) != b"\n":
            line = b"\n" + line  # at worst an empty line, where the end seen was another's write under way
            start = _line_start(fd, end)
            cut = (start, os.pread(fd, end - start, start))
        _write_whole(fd, line, cut)
    except OSError as error:
        full = error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        why = "the disk is full" if full else (error.strerror or str(error))
        raise OSError(error.errno, f"a take sent was not written to its sent log {log}: {why}; redone after a "
                                   "restart, it goes again") from None


def _write_whole(fd: int, line: bytes, cut: tuple[int, bytes] | None) -> None:
    """Append ``line`` to ``fd`` (O_APPEND) in one write; short, its bytes are blanked and it raises. ``cut``: the
    last line seen without its newline (offset, bytes), blanked where our write landed right after it: no write was
    under way there (its rest would have landed first), a dead writer's fragment. One write, not the rest after a
    short one: a write comes up short only on a full disk, where the rest fails too."""
    wrote = 0
    try:
        wrote = os.write(fd, line)
        if cut is not None and wrote and os.lseek(fd, 0, os.SEEK_CUR) - wrote == cut[0] + len(cut[1]):
            with contextlib.suppress(OSError):  # left: ended by our newline, read as a line (at worst sent again)
                _blank(fd, *cut)
        if wrote < len(line):  # a regular file says so with ENOSPC; never loop on nothing written
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    except OSError:
        if wrote:
            at = os.lseek(fd, 0, os.SEEK_CUR) - wrote  # O_APPEND: the offset is the write's end now
            with contextlib.suppress(OSError):  # else the next append ends and blanks the cut line
                _blank(fd, at, line[:wrote])
        raise


def _blank(fd: int, at: int, written: bytes) -> None:
    """Make ``written``, found at ``at``, newlines, in place (no room needed on a full disk, no later line moves),
    where those bytes still hold it: bytes not as written are another's, left alone."""
    if not written or os.pread(fd, len(written), at) != written:
        return
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_APPEND)  # else pwrite appends (Linux)
    try:
        os.pwrite(fd, b"\n" * len(written), at)
    finally:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)


def send_datagram(sock: socket.socket, datagram: bytes) -> None:
    """Send on the connected UDP socket ``sock``, once more after a refusal: there, an ICMP "port unreachable" for
    an earlier datagram fails the next send (which did not go); UDP to a port where nothing listens is no error."""
    try:
        sock.send(datagram)
    except ConnectionRefusedError:
        sock.send(datagram)


def read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


class _Reports:
    """The sender's lines to the patch; a patch that has gone (killed) no longer reads them, which is no error."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream: IO[str] | None = stream
        self.last_error = ""

    def say(self, kind: str, text: str = "") -> None:
        if self.stream is None:
            return
        try:
            self.stream.write(f"{kind} {text}".rstrip() + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None

    def error(self, text: str) -> None:
        if text != self.last_error:  # once per distinct problem, as the node reports its own
            self.last_error = text
            self.say("error", text)


def refused_now(sock: socket.socket) -> bool:
    """Whether the datagram just sent on the connected ``sock`` was refused: to a port of this machine where nothing
    listens (Live not running), the kernel queues the refusal before ``send`` returns. Another host's comes later,
    if at all: False (as where the system has no MSG_DONTWAIT)."""
    flag = getattr(socket, "MSG_DONTWAIT", 0)
    if not flag:
        return False
    try:
        sock.recv(1, flag)
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return False


def _send(sockets: dict[tuple[Any, ...], socket.socket], to: tuple[Any, ...], datagram: bytes) -> bool:
    """Send ``datagram`` to ``to``; whether it was refused at once (nothing listens there)."""
    family, address = int(to[0]), tuple(to[1:])
    sock = sockets.get(to)
    if sock is None:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.connect(address)
        except OSError:
            sock.close()
            raise
        sockets[to] = sock
    send_datagram(sock, datagram)
    return refused_now(sock)


class _Pace:
    """At most ``batch`` sends in each ``seconds``: :meth:`wait` before a send sleeps out the window once it is full.
    The sleep comes between one bundle's log line and the next send, never between a send and its line."""

    def __init__(self, batch: int = BATCH, seconds: float = BATCH_SECONDS) -> None:
        self.batch, self.seconds = batch, seconds
        self.since, self.count = time.monotonic(), 0

    def wait(self) -> None:
        now = time.monotonic()
        if self.count >= self.batch and now < self.since + self.seconds:
            time.sleep(self.since + self.seconds - now)
            now = time.monotonic()
        if now >= self.since + self.seconds:
            self.since, self.count = now, 0
        self.count += 1


def _read_frames(frames: IO[bytes], into: SimpleQueue[bytes | None]) -> None:
    """Each frame's body, then None at the pipe's end (or at a frame cut short: the patch died writing it)."""
    while (head := read_exactly(frames, LENGTH.size)) is not None:
        body = read_exactly(frames, LENGTH.unpack(head)[0])
        if body is None:  # the patch died in the middle of a frame: that bundle was never handed over
            break
        into.put(body)
    into.put(None)


def _holder(lock_path: Path) -> str:
    """The pids the lock's holder wrote in its lock file (JSON), or "" where it wrote none or has gone (a sender
    killed while it held the lock leaves its pids behind)."""
    try:
        pids = json.loads(lock_path.read_text(encoding="utf-8"))
        patch, sender = int(pids["patch"]), int(pids["sender"])
        os.kill(sender, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return json.dumps({"patch": patch, "sender": sender})


def _say_holder(lock: IO[str], patch: int, sender: int) -> None:
    """Write who holds ``lock`` into its file, for another run that finds it held (:func:`_holder` reads it)."""
    lock.truncate(0)
    lock.write(json.dumps({"patch": patch, "sender": sender}))
    lock.flush()


def _take_lock(lock: IO[str], lock_path: Path, out: _Reports, quiet: float) -> None:
    """Hold ``lock``, saying so (with the holder's pids) if another run keeps it longer than ``quiet`` seconds."""
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    taken = threading.Event()

    def wait() -> None:
        fcntl.flock(lock, fcntl.LOCK_EX)
        taken.set()

    threading.Thread(target=wait, daemon=True).start()
    if not taken.wait(quiet):
        out.say("waiting", _holder(lock_path))
        taken.wait()


def _done(out: _Reports, meta: dict[str, Any], word: str = "") -> None:
    """Tell the patch this sender is done with a frame (sent, skipped or failed): after its log line, so that one
    the patch hands over again after this sender ended is skipped if it went. ``word``: "refused" (nothing listened
    where it went), "failed" (the send raised) or "gone" (not sent: its file was gone), said after its number: the
    take's own end says it did not go."""
    if "seq" in meta:
        out.say("done", f"{meta['seq']} {word}".rstrip())


def gone_file(files: Iterable[str]) -> str:
    """The first of a bundle's ``files`` (a take's copy) that is no longer there; "" if all are. The sender asks it
    before it sends; the outbox before it keeps a bundle, and when it counts the kept ones."""
    return next((str(name) for name in files if not os.path.exists(name)), "")


class Stop:
    """SIGTERM's handler: the patch's stop ran out of time (hundreds of kept bundles, paced). Killed there, a sender
    could be between a send and its log line: that bundle, kept unsent, went to Live a second time at the next start.
    Asked so while it sends, it ends after the bundle it is on, logged and said done; before (it waits for another
    run's lock, or reads the log), at once: nothing is sent there."""

    def __init__(self) -> None:
        self.asked = False
        self.sending = False

    def __call__(self, signum: int, frame: Any) -> None:
        self.asked = True
        if not self.sending:
            raise SystemExit(0)


def serve(log: Path, frames: IO[bytes], reports: IO[str], keep: int = KEEP, quiet: float = QUIET_SECONDS,
          stop: Stop | None = None) -> None:
    """The sender's loop: read frames until the pipe closes; send each datagram, then log its key. ``stop`` (set
    as SIGTERM's handler): asked, the loop ends before its next send.

    The pipe is read from the start, so that the patch's hand-overs never wait while another run holds the lock;
    nothing is sent (nor the log read) before this sender holds it."""
    out = _Reports(reports)
    bodies: SimpleQueue[bytes | None] = SimpleQueue()
    threading.Thread(target=_read_frames, args=(frames, bodies), daemon=True).start()
    lock_path = log.with_name(log.name + ".lock")
    with open(lock_path, "a+", encoding="utf-8") as lock:
        _take_lock(lock, lock_path, out, quiet)  # held until exit: the next sender reads the log after this one
        _say_holder(lock, os.getppid(), os.getpid())
        sent, lines = read_sent(log, keep)
        if lines > 2 * keep:  # keep the file short; not shortened (a full disk), it is read all the same
            rewrite_log(log, sent)
        fd = open_log(log)
        out.say("ready")
        sockets: dict[tuple[Any, ...], socket.socket] = {}
        refused: set[tuple[Any, ...]] = set()  # where nothing listened at the last send: told once, and its end
        pace = _Pace()
        if stop is not None:
            stop.sending = True
        while (body := bodies.get()) is not None:
            header, _, datagram = body.partition(b"\n")
            meta = json.loads(header)
            key, to = str(meta["key"]), tuple(meta["to"])
            if key and meta["skip"] and key in sent:
                out.say("skipped", key)
                _done(out, meta)
                continue
            pace.wait()  # before the file is looked at: it may be deleted while this sleeps
            if gone := gone_file(meta.get("files", ())):  # deleted (by hand) while it waited: Live would load nothing
                out.say("gone", json.dumps({"seq": meta.get("seq"), "file": gone}))
                _done(out, meta, "gone")  # not logged: a redo writes the copy anew, and it goes then
                continue
            if stop is not None and stop.asked:  # the patch stopped: this and the rest are kept for its next start
                break
            word = ""
            try:
                nobody = _send(sockets, to, datagram)
            except OSError as error:
                out.error(f"OSC to {to[1]}:{to[2]} failed: {error}")
                word = "failed"
                for sock in sockets.values():
                    sock.close()
                sockets.clear()
            else:
                out.last_error = ""
                word = "refused" if nobody else ""
                if nobody != (to in refused):  # nothing listens there now, or something does again
                    (refused.add if nobody else refused.discard)(to)
                    out.say("refused" if nobody else "listening", f"{to[1]}:{to[2]}")
            if key:  # handled, sent or not: a redo would fail the same way, and Live may be back by then
                try:
                    append_key(fd, key, log)
                except OSError as error:  # sent all the same: skipped in this run, as Live has it
                    out.error(str(error.strerror))
                sent[key] = None
                if len(sent) > keep:
                    sent.popitem(last=False)
            _done(out, meta, word)
        os.close(fd)
        lock.truncate(0)  # the pids would name a process that no longer holds it


if __name__ == "__main__":
    stop = Stop()
    signal.signal(signal.SIGTERM, stop)
    serve(Path(sys.argv[1]), sys.stdin.buffer, sys.stdout, stop=stop)
