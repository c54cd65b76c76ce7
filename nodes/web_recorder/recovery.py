"""How the web recorder passes on again the takes stored but not done: those the last run left (listed at its start,
before the server listens), one stored after the stop of the recorder a live edit replaced (:mod:`.late`), one whose
emit failed (tried again a second later), and one found unreadable (told, moved aside). Methods of
:class:`~exsampling_patch.nodes.web_recorder.WebRecorder`, whose start sets what they use."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from exsampling_patch.messages import Take
from exsampling_patch.node import Node
from exsampling_patch.nodes.pass_on import PassOnGate
from exsampling_patch.nodes.passed_takes import passed_in_run, passed_now, passing_on, stored_in_run
from exsampling_patch.takes import PROCESSED_JOURNAL, TakeStore, read_take

if TYPE_CHECKING:
    from pathlib import Path

    from exsampling_patch.nodes.web_recorder.phones import PhoneLists
    from exsampling_patch.nodes.web_recorder.seen import Key, SeenTakes
    from exsampling_patch.nodes.web_recorder.status import StatusBoard
    from exsampling_patch.nodes.web_recorder.unfinished import Unfinished

log = logging.getLogger("exsampling.web_recorder")


class TakeRecovery(Node):
    """The web recorder's passing on again of its stored takes (a base of it, not a node type of its own)."""

    abstract = True

    _gate: PassOnGate
    _store: TakeStore
    _board: StatusBoard
    _phones: PhoneLists
    _seen: SeenTakes
    _unfinished: Unfinished
    _done_at_emit: bool
    _serving: bool
    _state: Path
    _owner: object  # this run's mark on the rows it adds to the board (:meth:`.StatusBoard.add`)
    _left: list[tuple[Path, dict[str, Any]]]
    _left_queued: list[tuple[Path, dict[str, Any]]]  # late takes made known by _pass_on_late, till the server serves

    def _notice(self, text: str) -> None: ...

    def _know_unfinished(self) -> Unfinished:
        """The takes stored but not done before the last run ended, made known (:func:`.know_unfinished`); those to
        pass on again."""
        from exsampling_patch.nodes.web_recorder.unfinished import know_unfinished

        # A live edit rebuilt this node: the takes the node it replaces passed on and not yet written down as done end
        # here as any (made known below, for their phones' lists, their rows on the board as they are): those in
        # flight, those told ended before this start (start() tells them), and one ended but not yet told (the runtime
        # tells its observers first). Passed on again, one went through the patch twice. Those passed on are looked at
        # before the journal is read: one the replaced node's take_ended (still running) writes down meanwhile is
        # among them (passed_takes.passed_now).
        passed = passed_now(self.context)

        def ends_here(take_id: str) -> bool:
            return take_id in passed or passed_in_run(self.context, take_id) or self.take_in_flight(take_id)

        seen, tracked = self._seen, self.context.tracks_takes
        found = know_unfinished(self._store, self._board, self._phones, seen, self._lost, seen.remember_told,
                                ends_here if tracked else None, self._owner)
        if not tracked:
            return found
        return type(found)(entry for entry in found if not ends_here(entry[1]))

    def _recover(self) -> None:
        """Pass on the takes that were stored but not done before the last run ended (found by :meth:`start`). One
        read after the stop's join is left, not done, for the next start: emitted, it flowed into a stopped engine
        (without a runtime, written down as done unheard); found unreadable, set aside, its end was told to no one."""
        while not self.stop_event.is_set():
            # Each once, even if this thread is run again; popped, not looked at first: another of these threads (a
            # take handed on late, one tried again) may have taken the last one in between, an IndexError on the node.
            try:
                path, take_id, key = self._unfinished.popleft()
            except IndexError:
                return
            try:
                take = read_take(path)
            except Exception as error:
                with self._gate.passing() as open_:
                    if not open_:
                        return
                    self._lost(path, take_id, key, error)
                continue
            # The last run's take is told so (the console's ", recovered from the last run", run's summary); one this
            # run stored is not, though passed on the same way: handed on late, an emit tried again, or stored by the
            # recorder an edit replaced after its stop and found by this start's listing (known by what was stored).
            recovered = {} if stored_in_run(self.context, take_id) else {"recovered": True}
            take = take.derive(meta={"stored_at": time.monotonic(), **recovered})
            with self._gate.passing() as open_:
                if not open_:
                    return
                # Told with its length (the console's line, the editor): before it flows on.
                self.report_status(take=take.take_id, duration=round(take.duration, 2), **recovered)
                with passing_on(self.context, take.take_id, self._store_of(path)):
                    self.emit("take", take)
            if self._done_at_emit:
                self._mark_done_told(self._store_of(path), take.take_id)
            log.info("recovered take %s stored before a restart" if recovered else "passed on take %s again, stored in "
                     "this run", take.take_id)

    def _mark_done_told(self, store: TakeStore, take_id: str) -> None:
        """Write a take down as done (its end, or passed on without a runtime); a journal that cannot be written (a
        full disk, a read-only folder) is told, naming the take. Raised, it answered the take's phone 500 though the
        take was stored and passed on, and ended this thread (the next take passed on a second later), told in words
        naming no take."""
        try:
            store.mark_done(take_id)
        except OSError as error:
            self.report_error(f"take {take_id} ended but could not be written down as done "
                              f"({error.strerror or error}: {store.folder / PROCESSED_JOURNAL}); "
                              "it is passed on again at the next start")

    def _store_of(self, path: Path) -> TakeStore:
        """The store of a take's audio ``path``: this node's, or, for a take handed on from the take folder of the
        recorder this one replaced (an edit changed the folder: :mod:`.late`), that folder's, where it is written down
        as done (written down here, it was passed on again at the next run on its own folder)."""
        return self._store if path.parent == self._store.folder else TakeStore(path.parent, make=False)

    def _take_late(self, audio: Path, data: dict[str, Any]) -> None:
        """A take stored after the stop of the recorder this one replaced (:mod:`.late`), in this take folder or
        another: passed on as one found at start, unless this start found it (stored before its listing)."""
        self._pass_on_late(audio, data)

    def _pass_on_late(self, audio: Path, data: dict[str, Any]) -> bool:
        """:meth:`_take_late`; whether the take is to be passed on now (not: found at start, its retry stored, or
        unreadable)."""
        from exsampling_patch.nodes.web_recorder.unfinished import know_one

        if self._retried_since(audio, data):
            return False
        if self._board.get(str(data["take_id"])) is not None:
            return False
        entry = know_one(audio, data, self._board, self._phones, self._seen, self._lost, self._seen.remember_told,
                         owner=self._owner)
        if entry is None:
            return False
        self._unfinished.append(entry)
        if self._serving:
            self.run_thread(self._recover, name=f"{self.node_id}-late")
        else:  # queued till the server serves: a start failing before hands it back (_left_not_passed_on)
            self._left_queued.append((audio, data))
        return True

    def _take_left(self, left: list[tuple[Path, dict[str, Any]]]) -> None:
        """Late takes the last run's recorder of this id stored when no recorder ran to take them (:mod:`.late`),
        passed on by this start just before its server serves (:meth:`_pass_on_left`): a start failing before that (its
        port busy, its QR code not printed) keeps them again for the next one (:meth:`_left_not_passed_on`)."""
        self._left = list(left)

    def _pass_on_left(self) -> None:
        """:meth:`_take_left`'s takes made known and queued for the recovery thread, and said so: the last run's error
        telling they were kept was shown nowhere. Each leaves ``_left`` only once handed on (queued, in
        ``_left_queued``, or not to be passed on at all): emptied first, one raising lost those after it."""
        count = 0
        while self._left:
            audio, data = self._left[0]
            if self._pass_on_late(audio, data):  # queued in _left_queued
                count += 1
            del self._left[0]
        if count:
            text = f"{count} late take{'s' if count > 1 else ''} kept from the last run, passed on now"
            log.warning("%s: %s", self.node_id, text)
            self._notice(text)

    def _keep_left_again(self) -> None:
        """A failed start's late takes not passed on (:meth:`_left_not_passed_on`: the last run's kept ones, one handed
        on late meanwhile): kept again for the next start, which passes them on, and said so; lost with this node, the
        next Run received nothing, and a take handed on late from a folder no run uses waited there for good. It takes
        no more (else each waited in its queue, told to no one); those its folder's listing found stay there, not
        done, for the next start on that folder, said so too."""
        from exsampling_patch.nodes.web_recorder.late import keep_again, leave, leave_state

        if hasattr(self, "_store"):
            leave(self._store.folder, self._take_late)
        if hasattr(self, "_state"):
            leave_state(self._state, self.context, self.node_id, self._take_late)  # else handed back to this one
        left = self._left_not_passed_on()
        if left:
            keep_again(self.context, self.node_id, left)
        handed = {audio for audio, _ in left}
        found = [entry for entry in getattr(self, "_unfinished", ()) if entry[0] not in handed]
        if hasattr(self, "_unfinished"):
            self._unfinished.clear()  # no thread of this node passes any on
        told = [f"{len(left)} late take{'s' if len(left) > 1 else ''} handed to it kept for its next start"]
        if found:
            told.append(f"{len(found)} take{'s' if len(found) > 1 else ''} stored but not done left in "
                        f"{self._store.folder}, for the next start on that folder")
        if left or found:
            text = f"the recorder did not start: {'; '.join(told[0 if left else 1:])}"
            log.warning("%s: %s", self.node_id, text)
            self.report_status(warning=text)

    def _left_not_passed_on(self) -> list[tuple[Path, dict[str, Any]]]:
        """A failed start's late takes that no thread of it passed on, taken from it: those queued before its server
        served (``_left_queued``, emptied once it does: the last run's kept ones, and one handed on late by the
        recorder this one replaced meanwhile) and kept ones not handed on yet (one may have raised half way), their
        rows taken off the board. Left there, the next start in this process took each for one its own
        listing had found (:meth:`_pass_on_late`), and passed it on never."""
        left = self._left_queued + self._left
        self._left_queued, self._left = [], []
        for _audio, data in left:
            self._board.remove(str(data["take_id"]))
        return left

    def _retried_since(self, audio: Path, data: dict[str, Any]) -> bool:
        """Whether the phone's retry of a late take was stored here as another take (a live edit moved both folders:
        the guard against storing a take twice, keyed by the state folder, joined no two recorders); then the late
        one is written down as done where it is stored, not passed on: passed on too, one take went through twice. A
        retry still being stored decides once it is: True, not passed on now, handed on again then
        (:meth:`_hand_on_again`). Where the key is new, the late take's reply is remembered in the same step
        (:meth:`.SeenTakes.late`): a retry claimed from then on is its duplicate."""
        from exsampling_patch.nodes.web_recorder.rows import sidecar_row
        from exsampling_patch.nodes.web_recorder.unfinished import key_of

        key = key_of(data)
        if key is None:
            return False
        first, reply = self._seen.late(key, {"status": "received", **sidecar_row(data, audio)},
                                       lambda: self._hand_on_again(audio, data))
        if first:
            return False
        if reply is None:  # the retry is still being stored: its reply, not there yet, decides once it is
            return True
        take_id = str(data["take_id"])
        if reply.get("take_id") in (None, take_id):
            return False
        log.warning("take %s, stored late by the recorder a live edit replaced, was sent again by its phone and "
                    "stored as take %s: written down as done, not passed on (kept on disk: %s)", take_id,
                    reply["take_id"], audio)
        try:
            self._store_of(audio).mark_done(take_id)
        except OSError as error:
            self._tell_not_written_down(audio, take_id, str(reply["take_id"]), error)
        return True

    def _tell_not_written_down(self, audio: Path, take_id: str, retry_id: str, error: OSError) -> None:
        """A late take whose retry was stored as ``retry_id`` could not be written down as done: its sidecar says so
        instead, and the next start on its folder writes it down, not passing it on; told either way. Before, that
        start found it not done and passed it on: one take through the patch twice."""
        from exsampling_patch.nodes.web_recorder.unfinished import mark_stored_again

        why = (f"take {take_id} (stored again as take {retry_id}) could not be written down as done "
               f"({error.strerror or error})")
        try:
            mark_stored_again(audio, retry_id)
        except (OSError, ValueError) as sidecar_error:
            self.report_error(f"{why}, nor its sidecar say so ({sidecar_error}); it is passed on at the next start "
                              "on its folder")
            return
        self.report_error(f"{why}; its sidecar says so: not passed on at the next start either")

    def _hand_on_again(self, audio: Path, data: dict[str, Any]) -> None:
        """A late take whose phone's retry was being stored here, once that retry is settled (on its storing thread):
        handed on as at first (:func:`.late.hand_on`), to the recorder that runs now, under the folders' locks that
        :meth:`stop` (``leave``) relies on. Taken here directly, a retry stored after this node's stop (handed on to
        the recorder started since, this table's key left empty) found the key still being stored, waited again, and
        was never told: the late take stayed not done in a folder no run uses. Where none runs (the patch stopped while
        the retry was being stored), the take is kept on disk, not done, for the patch's next run (:mod:`.late`, which
        says so at that start), and told: on this ended run's node, which no one may see any more, and in the log."""
        from exsampling_patch.nodes.web_recorder.late import hand_on

        take_id = data.get("take_id")
        try:
            if not hand_on(audio.parent, self._state, self.context, self.node_id, audio, data):
                kept = (f"take {take_id}, stored late, is kept in {audio.parent}, not passed on: no recorder "
                        f"'{self.node_id}' runs now; it is passed on at the patch's next run, or at the next start on "
                        "that folder")
                log.warning("%s", kept)  # the run log: the ended run's node error is shown nowhere
                self.report_error(kept)
        except Exception as error:
            self.report_error(f"take {take_id}, stored late, could not be passed on: {error}; it is passed on at the "
                              "next start on its folder")

    def _lost(self, path: Path, take_id: str, key: Key | None, error: Exception) -> None:
        """A stored take proved unreadable: its end told (the node's error, the phone's list), its phone take id
        withdrawn from the dedupe table (the phone's retry is stored anew, in its place), the take moved aside into
        ``damaged/`` and written down as done (told once, not at every start; kept, never deleted); its end published
        as a ``TakeEnded`` (:meth:`~exsampling_patch.node.Node.tell_fate_of`)."""
        reason = f"stored take unreadable: {error}"
        if key is not None:  # before it is moved aside: a crash in between finds it again, and withdraws again
            self._seen.forget_told(key, take_id)
        store = self._store_of(path)
        try:
            moved = store.set_aside(path, take_id, reason)
            where = f"moved to {moved.relative_to(store.folder)}"
        except OSError as move_error:
            where = f"could not be moved aside: {move_error}"
        again = "; the phone's retry of it is taken as a new take" if key is not None else ""
        self.report_error(f"{path.name}: {reason} ({where}){again}")
        end = f"error in {self.node_id}: {reason}"
        self._board.update(take_id, status="error", fate="error", end=end)
        log.warning("recovered take %s: %s (%s)", take_id, reason, where)
        # Its end, as any take's (the console, the show log, the editor), though it never flowed: after it is set
        # aside and written down as done, so that the runtime's call back (take_ended) finds it so.
        self.tell_fate_of(take_id, str((self._board.get(take_id) or {}).get("recorder", "")), reason=end)

    def _pass_on_later(self, stored: Take, key: Key | None, error: Exception) -> bool:
        """The take is stored but its emit failed: told, and passed on again by the recovery thread a second later;
        failing again, it stays on disk, not done, for the next start. False: not passed on (yet)."""
        self.report_error(f"take {stored.take_id} is stored but could not be passed on: {error}; it is tried again "
                          "in a second")
        if stored.path is not None:
            self._unfinished.append((stored.path, stored.take_id, key))
            self.run_thread(lambda: None if self.stop_event.wait(1.0) else self._recover(), f"{self.node_id}-again")
        return False
