"""A sender process for OSC bundles that must go exactly once: it outlives a kill -9 of the patch.

A node hands each bundle to its :class:`Outbox` with one write to a pipe; a small process of its own (:mod:`osc_sender`,
run as a script, standard library only) sends it and then appends the bundle's key (take id and slot) to a log
file. The patch process is left with a single step that either happened or did not:

- killed before the write: the bundle never went; the take had not ended, so the restarted patch redoes it and
  hands it over once;
- killed after the write: the sender, which a kill of the patch (or of its process group) does not reach, sends
  the bundle, logs its key and exits when the pipe closes. A redone take's bundle is then skipped: the next
  sender takes the log's lock only when the last one has let it go, so it reads every key sent before.

A datagram and a log line cannot be one step, so a sender killed between the two can still send a bundle twice;
it is never killed with the patch, so only a kill aimed at it (or a power cut, which takes Live down too) does
that.

A hand-over never waits for the sender. The sender reads the pipe from its start, into its own memory, and sends
only once it holds the log's lock: bundles handed over while another run of a patch holds the folder (a second
copy of the show, a test beside it) wait in the sender, which a kill of the patch does not reach either, and go
in order once that run lets go. A stop is no kill: nothing goes after it. The patch ends a sender that cannot send
then, and keeps what it had not sent beside the log (:func:`unsent_path`), for the next start to hand over first.
A sender that has waited :data:`QUIET_SECONDS` says so, naming the process that holds the lock where the lock file
tells it; the patch reports it once, and again when the sender holds the lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.nodes import osc_sender
from exsampling_patch.nodes.kept_bundles import (
    Bundle,
    LockHeld,
    any_kept,
    append_kept,
    kept_files,
    read_kept,
    taking_kept,
    unsent_path,
)
from exsampling_patch.nodes.osc_sender import KEEP, QUIET_SECONDS, gone_file, read_sent, send_datagram, serve

__all__ = ["KEEP", "QUIET_SECONDS", "FolderInUse", "Outbox", "bundle_key", "kept_files", "read_sent", "send_datagram",
           "serve", "unsent_path"]

#: Seconds a sender asked to end at a stop has to do so (it ends after the bundle it is on) before it is killed
STOP_GRACE = 1.0


def bundle_key(take_id: str, slot: str) -> str:
    """The log's line for one take sent to one slot (a take sent to two slots is two bundles)."""
    return " ".join(f"{take_id}\t{slot}".split("\n"))


class FolderInUse(RuntimeError):
    """Another run of a patch holds a sent log's lock (its node of the same id writes to the same folder)."""


def in_use_text(folder: Path, holder: str, then: str) -> str:
    """What to tell of ``folder`` held by another run: ``holder`` is the JSON of the pids that hold it (or ""), ``then``
    what becomes of this run's takes meanwhile."""
    try:
        pids = json.loads(holder) if holder else {}
    except ValueError:
        pids = {}
    patch, sender = pids.get("patch"), pids.get("sender")
    who = (" (process unknown: it left no pid in the lock file)" if not patch
           else f" (process {patch})" if patch == sender else f" (process {patch}, its OSC sender {sender})")
    return (f"the folder {folder} is in use by another run of a patch{who}: {then}; stop the other run, or give "
            f"this node another folder")


class Outbox:
    """Hands bundles to a sender process (:func:`serve`) that sends each and logs its key.

    ``report_error`` gets the sender's problems (a send that failed, a sender that died, another run holding the
    folder); ``report_skipped`` the key of each bundle not sent because the log has it (a take redone after a
    restart); ``report_resumed`` is called when a sender that said it waited for another run holds the lock,
    ``report_restarted`` when one started again after the last stopped (its error told) holds it;
    ``report_kept_gone`` when a bundle an earlier run kept was not sent after all, its file gone when its turn came
    (:attr:`kept_sending` tells how many of those handed over are left); ``report_listening`` with ``HOST:PORT``
    and False when a bundle sent there was refused at once (nothing listens on that port of this machine), True
    when one went there again without.

    A bundle handed over with ``done`` has it called once its sender is done with it, with "" (sent, or skipped),
    "refused" (nothing listened there), "failed" (its send raised), "gone" (not sent: its file was gone when its turn
    came), or "kept" (not sent: :meth:`close` kept it for the next start), from the reader's thread or
    :meth:`close`'s. A :meth:`send` that raises (no sender could be started) keeps nothing of its bundle, nor calls
    its ``done``: the caller, told by the raise, tells the take lost.

    Each bundle handed over is kept here until its sender says it is done with it: a sender started in place of one
    that died is handed again what that one had not done, and :meth:`close` ends a sender that cannot send (it
    waits for another run's lock, or is stalled) and keeps what it had not done in :func:`unsent_path`, which the
    next :meth:`start` hands over first. Nothing goes to Live after the patch stopped."""

    def __init__(self, log: Path, report_error: Callable[[str], None],
                 report_skipped: Callable[[str], None] | None = None,
                 report_resumed: Callable[[], None] | None = None,
                 report_restarted: Callable[[], None] | None = None,
                 report_kept_gone: Callable[[], None] | None = None,
                 report_listening: Callable[[str, bool], None] | None = None) -> None:
        self.log = log
        self.report_error = report_error
        self.report_skipped = report_skipped or (lambda key: None)
        self.report_resumed = report_resumed or (lambda: None)
        self.report_restarted = report_restarted or (lambda: None)
        self.report_kept_gone = report_kept_gone or (lambda: None)
        self.report_listening = report_listening or (lambda where, listening: None)
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._ready = threading.Event()  # the sender holds the lock: what is handed over now goes at once
        self._waiting = False  # the sender said another run holds the lock
        self._ended: subprocess.Popen[bytes] | None = None  # a sender ended here, or found dead and told so
        self._lock = threading.Lock()
        self._seq = 0
        #: bundles handed over that no sender has said it is done with, by number
        self._unsent: OrderedDict[int, Bundle] = OrderedDict()
        self._unsent_lock = threading.Lock()  # not _lock: close() holds that while the reader reads "done"
        self._done_calls: dict[int, Callable[[str], None]] = {}  # a bundle's ``done``, by number, until it is called
        self._closed = False
        self._kept_due = False  # started without a destination: the first send hands over what was kept
        self._kept_seqs: set[int] = set()  # the numbers of the bundles an earlier run kept that no sender has done
        #: the bundles an earlier run kept handed over in this run, less those not sent for a file gone meanwhile
        self.kept_sending = 0
        self._kept_left = False  # a start's take-over failed: what an earlier run kept is still in its file
        #: why :meth:`close`'s count may leave out bundles an earlier run kept ("" where it is true): their file's
        #: lock stuck, or the file unreadable, so how many wait for the next start could not be read
        self.uncounted = ""

    def start(self, destination: tuple[int, tuple[Any, ...]] | None = None, restarted: bool = False) -> int:
        """Start the sender; it takes the log's lock once an earlier sender (a killed patch's) has drained.
        ``restarted``: this one replaces a sender that stopped, which was told as an error.

        A first start hands over first what an earlier run (or node) kept (:func:`unsent_path`), to ``destination``
        (address family, socket address): the node's now, whatever host or port it had when they were kept. Without
        one (it cannot be resolved now), the first :meth:`send` hands them over, to its own. Returns how many."""
        with self._lock:
            self._closed = False
            return self._start_locked(restarted, destination)

    def _start_locked(self, restarted: bool, destination: tuple[int, tuple[Any, ...]] | None = None) -> int:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        ready = threading.Event()
        process = subprocess.Popen([sys.executable, "-I", "-S", osc_sender.__file__, str(self.log)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
                                   start_new_session=True)
        self._process, self._ready = process, ready
        self._reader = threading.Thread(target=self._read_reports, args=(process, ready, restarted), daemon=True,
                                        name=f"outbox {self.log.name}")
        self._reader.start()
        with self._unsent_lock:
            again = list(self._unsent.items())  # what the sender this one replaces had not done
        self._hand_again(again)
        if restarted:
            return 0
        if destination is None:  # not what another run keeps later, while this one sends: that waits for a start
            self._kept_due = any_kept(unsent_path(self.log))
            return 0
        return self._hand_kept((destination[0], *destination[1]))

    def _hand_kept(self, to: tuple[Any, ...]) -> int:
        """Hand over what an earlier run kept, readdressed ``to``; how many. A damaged record is told and left out,
        the file kept aside for whoever wants to look: the others go."""
        kept = unsent_path(self.log)
        self._kept_due = self._kept_left = False
        earlier: list[Bundle] = []
        try:
            with taking_kept(kept) as taken:  # removed once handed over: a kill before that leaves it for the next
                for damaged in taken.damaged:
                    self.report_error(f"{damaged.text(kept)}; the file is kept as {taken.aside}")
                earlier = [handed._replace(to=to) for handed in self._still_whole(taken.bundles)]
                with self._unsent_lock:
                    numbered = []
                    for handed in earlier:
                        self._seq += 1
                        self._unsent[self._seq] = handed
                        self._kept_seqs.add(self._seq)
                        numbered.append((self._seq, handed))
                    self.kept_sending += len(numbered)
                self._hand_again(numbered)
        except LockHeld as held:  # its holder is stopped or hung: the node starts, the file stays for the next start
            self._kept_left = True
            self.report_error(f"the takes kept for Live in {kept} wait for the next start: {held}")
        except OSError as error:  # the node starts anyway; what was not read stays for the next start
            self._kept_left = True
            self.report_error(f"the takes kept for Live in {kept} could not be read or removed: {error}")
        return len(earlier)

    def _hand_again(self, numbered: list[tuple[int, Bundle]]) -> None:
        try:
            for seq, handed in numbered:
                self._write(handed.frame(seq, again=True))
        except OSError as error:  # kept here: handed again by the next start, or kept again by close()
            self.report_error(f"the OSC sender stopped ({error})")

    def _still_whole(self, earlier: list[Bundle], dropped: str = "a take kept for Live is not sent") -> list[Bundle]:
        """The kept bundles whose files are all still there; each other one is told (``dropped``, then which file),
        and dropped: Live would load nothing."""
        whole = []
        for handed in earlier:
            gone = gone_file(handed.files)
            if gone:
                self.report_error(f"{dropped}: its file {gone} is gone")
            else:
                whole.append(handed)
        return whole

    def pending_files(self) -> set[str]:
        """The files named by the bundles no sender has said it is done with (those an earlier run kept too): a
        take's copy Live has not been sent yet must stay."""
        with self._unsent_lock:
            return {name for handed in self._unsent.values() for name in handed.files}

    def send(self, address: tuple[Any, ...], family: int, datagram: bytes, key: str = "",
             skip_if_sent: bool = False, files: tuple[str, ...] = (),
             done: Callable[[str], None] | None = None) -> int:
        """Hand over one datagram for ``address`` (a resolved socket address of ``family``). With a ``key`` the
        sender logs it once sent; with ``skip_if_sent`` too, it drops the datagram if the log has the key.
        ``files``: those it names, which :meth:`pending_files` lists until it is done. ``done``: see the class.

        Returns once the sender's pipe has it, without waiting for the sender to hold the log's lock. After
        :meth:`close`, it is kept for the next start. Returns how many kept bundles it handed over first (those of a
        :meth:`start` without a destination)."""
        handed = Bundle((family, *address), datagram, key, skip_if_sent, files)
        with self._lock:
            kept = 0
            if not self._closed and self._process is None:
                kept = self._start_locked(False, (family, address))
            elif self._kept_due and not self._closed:
                kept = self._hand_kept(handed.to)
            with self._unsent_lock:
                self._seq += 1
                seq = self._seq
                self._unsent[seq] = handed
                if done is not None:
                    self._done_calls[seq] = done
            if self._closed:
                self._keep()
                return kept
            try:
                self._write(handed.frame(seq))
            except (BrokenPipeError, ValueError, OSError) as error:
                self.report_error(f"the OSC sender stopped ({error}); starting it again")
                self._ended = self._process  # its reader does not tell it again
                self._close_locked(wait=0.0)
                try:
                    self._start_locked(restarted=True)  # hands this one over again, with what that one had not done
                except BaseException:  # none could start (Popen failed): the caller ends the take as not delivered,
                    with self._unsent_lock:  # so neither a later sender nor close() sends it, nor ends it again
                        self._unsent.pop(seq, None)
                        self._done_calls.pop(seq, None)
                    raise
            return kept

    def _write(self, frame: bytes) -> None:
        assert self._process is not None and self._process.stdin is not None
        fd = self._process.stdin.fileno()
        view = memoryview(frame)
        while view:
            view = view[os.write(fd, view):]

    def close(self, timeout: float = 5.0) -> int:
        """Close the pipe and wait (up to ``timeout``) for the sender to send what it holds and exit. A sender that
        cannot send (it waits for another run's lock, or has not finished in time) is ended: nothing goes to Live
        after the patch stopped. Returns how many bundles were not sent, kept for the next start; where those an
        earlier run kept could not be counted, :attr:`uncounted` says why."""
        with self._lock:
            self._closed = True
            self.uncounted = ""
            process, self._process = self._process, None
            if process is not None:
                if process.stdin is not None:
                    with contextlib.suppress(OSError):
                        process.stdin.close()
                ready = self._ready
                if ready.is_set() or (not self._waiting and ready.wait(min(timeout, QUIET_SECONDS))):
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(timeout)
                if process.poll() is None:
                    self._ended = process  # no error: ended here
                    # Asked first (SIGTERM): it ends after the bundle it is on, logged. Killed at once, it could be
                    # between a send and its log line, and the next start sent that take to Live again.
                    process.terminate()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(STOP_GRACE)
                    if process.poll() is None:  # stopped (SIGSTOP) or hung: it sends nothing more either
                        process.kill()
                        process.wait()
                if self._reader is not None:
                    self._reader.join(max(1.0, timeout))  # each "done" it had said is read
            left = self._keep()
            # And an earlier run's not handed over (no send came, or the start's take-over found the lock stuck),
            # those the next start sends (files deleted meanwhile: not). Uncounted, the summary said fewer.
            if self._kept_due or self._kept_left:
                try:
                    left = sum(not gone_file(kept.files) for kept in read_kept(unsent_path(self.log))[0])
                except OSError as error:  # this run's own are counted; how many more wait, none can tell now
                    self.uncounted = str(error)
            return left

    def _keep(self) -> int:
        """Append the bundles no sender has done to :func:`unsent_path`, for the next start; how many. One whose
        file was deleted during the run (by hand) is told and dropped: the next start would not send it, and the
        stop's summary counted it as kept."""
        with self._unsent_lock:
            unsent, self._unsent = list(self._unsent.items()), OrderedDict()
            self._kept_seqs.clear()  # kept again, as this run's own: the next start counts them anew
            calls, self._done_calls = self._done_calls, {}
        left = []
        for seq, handed in unsent:  # looked at once: a take ends as kept only if it is, and as not sent if dropped
            gone = gone_file(handed.files)
            if gone:
                self.report_error(f"a take for Live not sent is not kept for the next start: its file {gone} is gone")
            else:
                left.append(handed)
            call = calls.get(seq)
            if call is not None:
                call("gone" if gone else "kept")
        if left:
            try:
                append_kept(unsent_path(self.log), left)
            except LockHeld as held:  # written aside: the next start sends them with the file's
                self.report_error(f"{len(left)} bundles for Live not sent are kept in {held.aside}, not in "
                                  f"{unsent_path(self.log)}, for the next start: {held}")
            except OSError as error:
                self.report_error(f"{len(left)} bundles for Live not sent, and not kept: {error}")
        return len(left)

    def _close_locked(self, wait: float) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait)
        if self._reader is not None and process.returncode is not None:
            self._reader.join(1.0)

    def _read_reports(self, process: subprocess.Popen[bytes], ready: threading.Event, restarted: bool) -> None:
        assert process.stdout is not None
        ran = False  # it held the lock, or waited for it: it did not fail as it started
        for raw in process.stdout:
            kind, _, text = raw.decode("utf-8", "replace").rstrip("\n").partition(" ")
            if kind == "done":
                number, _, word = text.partition(" ")
                with self._unsent_lock:
                    self._unsent.pop(int(number), None)
                    self._kept_seqs.discard(int(number))
                    call = self._done_calls.pop(int(number), None)
                if call is not None:
                    call(word)
            elif kind == "gone":
                self._gone(text)
            elif kind == "ready":
                ready.set()
                ran = True
                if self._waiting:
                    self._waiting = False
                    self.report_resumed()
                elif restarted:  # the error that its last one stopped ends here, not at the node's restart
                    self.report_restarted()
            elif kind == "waiting":
                ran = True
                self._waiting = True
                self.report_error(self._waiting_text(text))
            elif kind == "error":
                self.report_error(text)
            elif kind == "skipped":
                self.report_skipped(text)
            elif kind in ("refused", "listening"):  # nothing listened at HOST:PORT, or something does again
                self.report_listening(text, kind == "listening")
        process.stdout.close()
        code = process.wait()
        if self._process is process and ran:  # not closed nor replaced: it died (killed, out of memory)
            self._restart_dead(process, code)
        elif code != 0 and process is not self._ended:
            self.report_error(f"the OSC sender exited with status {code}")

    def _gone(self, text: str) -> None:
        """The sender did not send a bundle (its "done" follows): its file was gone when its turn came. Told once,
        the bundle's only "gone"; one an earlier run kept is no longer counted in :attr:`kept_sending`."""
        said = json.loads(text)
        with self._unsent_lock:
            kept = said["seq"] in self._kept_seqs
            if kept:
                self._kept_seqs.discard(said["seq"])
                self.kept_sending -= 1
        whose = "kept at the last stop " if kept else ""
        self.report_error(f"a take {whose}for Live is not sent: its file {said['file']} is gone (deleted while it "
                          f"waited to go)")
        if kept:
            self.report_kept_gone()

    def _restart_dead(self, process: subprocess.Popen[bytes], code: int) -> None:
        """Start another sender in place of ``process``, which died by itself, now: a show may send no take for
        minutes, and the error must not stand (nor the next take wait for a start) until one comes; what the dead
        one had not done goes on. One that dies as it starts (it never held nor waited for the lock) is only told:
        the next hand-over starts another, and no loop of starts follows a sender that cannot run."""
        while not self._lock.acquire(timeout=0.05):
            if self._process is not process:  # being closed or replaced, by a holder of the lock that may join us
                return
        try:
            if self._process is not process:
                return
            self.report_error(f"the OSC sender exited with status {code}; starting it again")
            self._process = None
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            self._waiting = False
            self._start_locked(restarted=True)
        finally:
            self._lock.release()

    def _waiting_text(self, holder: str) -> str:
        return in_use_text(self.log.parent, holder, "this run's takes for Live wait, and go in order once that run "
                           "stops")
