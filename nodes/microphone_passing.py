"""How the microphone's takes, once stored, are passed on and written down as done: those stored but not done when
the last run ended (recovered at the start), those stored late (kept in memory while the disk was full), and each
new one; none passed on once the node has stopped, left on disk for the next start, or handed to the microphone
started on the folder since (:mod:`.microphone_late`). Methods of
:class:`~exsampling_patch.nodes.microphone.Microphone`, whose start sets what they use."""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path
from typing import Any

from exsampling_patch.messages import Take
from exsampling_patch.node import Node
from exsampling_patch.nodes.microphone_late import hand_on
from exsampling_patch.nodes.microphone_room import TakeRoom
from exsampling_patch.nodes.pass_on import PassOnGate
from exsampling_patch.nodes.passed_takes import ending, passing_on, stored_in_run
from exsampling_patch.takes import PROCESSED_JOURNAL, TakeStore, read_take


class TakePassing(Node):
    """The microphone's passing on of its stored takes (a base of it, not a node type of its own)."""

    abstract = True

    _gate: PassOnGate
    _store: TakeStore
    _room: TakeRoom
    _unfinished: deque[tuple[Path, str]]
    _known: set[str]  # the ids of the takes the start listed, and of those handed on late since
    _recovering: bool  # whether the start's recovery thread has been started

    def _recover(self) -> None:
        """Pass on the takes stored but not done before the last run ended (listed by :meth:`start`)."""
        while not self.stop_event.is_set():
            try:  # each once, even if this thread is run again, or runs beside one for a take handed on late
                path, take_id = self._unfinished.popleft()
            except IndexError:
                return
            try:
                take = read_take(path, source=self.node_id)
            except Exception as error:
                if not self._set_aside(path, take_id, f"stored take unreadable: {error}"):
                    return
                continue
            # The last run's take is told so (the console's ", recovered from the last run", run's summary, the show
            # log); one this run stored is not, though passed on the same way: handed on late, or stored by the node an
            # edit replaced after its stop and found by this start's listing (known by what was stored, not by path).
            recovered = {} if stored_in_run(self.context, take_id) else {"recovered": True}
            take = take.derive(meta={"stored_at": time.monotonic(), **recovered})
            # Once stopped (a read that outlived stop's join), left not done for the start after.
            if not self._pass_on(take, {"take": take.take_id, "duration": round(take.duration, 2), **recovered}):
                return
            if not self.context.tracks_takes:
                self._mark_done(take.take_id)

    def _take_late(self, audio: Path, take_id: str) -> None:
        """A take stored after the stop of the microphone this one replaced (:mod:`.microphone_late`): passed on as one
        found at the start, unless the start found it (stored before its listing). Called one at a time."""
        if take_id in self._known:
            return
        self._known.add(take_id)
        self._unfinished.append((audio, take_id))
        if self._recovering:  # else the start's recovery thread, to come, passes it on
            self.run_thread(self._recover, name=f"{self.node_id}-late")

    def _hand_on(self, take: Take) -> None:
        """``take``, stored, is not passed on as the node has stopped: handed to the microphone started since on its
        folder (an edit's rebuild), if any, else left on disk for the next start."""
        if take.path is not None:
            hand_on(self._store.folder, take.path, take.take_id)

    def _end_room(self) -> None:
        """The run is over: the takes kept in memory are written once more (:meth:`TakeRoom.end`); each stored is
        handed on (:meth:`_hand_on`). Stored after the start of a node that replaced this one (assembly ran past the
        stop's join), they waited on disk for the start after, if any."""
        for take in self._room.end():
            self._hand_on(take)

    def _set_aside(self, path: Path, take_id: str, reason: str) -> bool:
        """Move an unreadable stored take aside, written down as done, and tell its end; unless the node has
        stopped (False; a read that outlived stop's join): told then, its end reached no one (an engine stopped), and
        set aside, no start listed it again. Left as it is, the next start finds it unreadable and tells it, as
        :meth:`_pass_on` leaves a readable one for it."""
        with self._gate.passing() as open_:
            if not open_:
                return False
            try:  # kept, never deleted; written down as done: told once, not at every start
                where = f"moved to {self._store.set_aside(path, take_id, reason).relative_to(self._store.folder)}"
            except OSError as move_error:
                where = f"could not be moved aside: {move_error}"
            self.report_error(f"{path.name}: {reason} ({where})")
            self.tell_fate_of(take_id, self.node_id, reason=f"error in {self.node_id}: {reason}")  # its TakeEnded
        return True

    def take_ended(self, ended: Any) -> None:
        """A take has ended in the patch: written down as done (not before: a crash redoes it) in the folder it was
        stored in, also where a live edit rebuilt this node since, even before its start, maybe on another folder
        (:mod:`.passed_takes`); not one lost before it was stored (:class:`TakeRoom`), which nothing would pass on
        again. One told while the start lists the folder is left out of the listing by :func:`passed_now`."""
        if ended.take_id in self._room.lost_ids:
            return
        with ending(self.context, ended.take_id, getattr(self, "_store", None)) as store:
            if store is not None:
                self._mark_done(ended.take_id, store)

    def _mark_done(self, take_id: str, store: TakeStore | None = None) -> None:
        """Write ``take_id`` down as done (in ``store``, else the node's); a failure is told, naming the take. Raised,
        it ended take assembly without a runtime (run again a second later), and the line for it named no take."""
        store = store or self._store
        try:
            store.mark_done(take_id)
        except OSError as error:  # a full disk: said per take, as the engine's line for a raise would name none
            self.report_error(f"take {take_id} ended but could not be written down as done "
                              f"({error.strerror or error}: {store.folder / PROCESSED_JOURNAL}); "
                              "it is passed on again at the next start")

    def _passed_on_at_stop(self, stored: Take, status: dict[str, Any], what: str = "cut at the stop") -> bool:
        """:meth:`_pass_on` for a take of the cut at the stop (or one stored late: ``what``). Its emit raising ended
        the cut: the takes after it in the audio left to read were never stored, lost untold, as assembly is not run
        again once stopped. Told on the node, naming the take (stored: on disk), with its end (only noted where it is
        in flight); False then."""
        try:
            return self._pass_on(stored, status)
        except Exception as error:
            reason = f"take {stored.take_id}, {what}, could not be passed on: {error}"
            self.report_error(reason)
            self.tell_fate_of(stored.take_id, self.node_id, reason=f"error in {self.node_id}: {reason}")
            return False

    def _pass_on_late(self, late: list[Take]) -> None:
        """Pass on the takes kept in memory and stored late (told so by :class:`TakeRoom`), oldest first. One whose
        emit raises is told, with its end, as one of the cut at the stop (:meth:`_passed_on_at_stop`), and the others
        go on: raised, it ended the cut at the stop untold, and in the show the take just stored was not passed on."""
        for take in late:
            stored = take.derive(meta={"stored_at": time.monotonic(), "stored_late": True})
            label = f"{take.take_id}: {stored.duration:.2f} s (stored late)"
            status = {"take": take.take_id, "label": label, "duration": round(stored.duration, 2)}
            # stopped (or its emit failed): left not done on disk, the next start passes it on
            if self._passed_on_at_stop(stored, status, "stored late") and not self.context.tracks_takes:
                self._mark_done(take.take_id)

    def _pass_on(self, stored: Take, status: dict[str, Any]) -> bool:
        """Tell ``status`` and emit the take stored, unless the node has stopped (False). A take assembly finished
        storing after stop's join gave up on it (a slow disk) is complete and on disk: emitted, it would flow into an
        engine that has stopped (its end never told, or told by nodes stopped), and without a runtime be written
        down as done unheard. Left not done, the next start lists it and passes it on (:meth:`_recover`): its end
        is told then; a microphone already started on the folder since (an edit rebuilt this one) is handed it
        (:meth:`_hand_on`), as its start listed the folder before the take was there."""
        with self._gate.passing() as open_:
            if open_:
                self.report_status(**status)
                with passing_on(self.context, stored.take_id, self._store):
                    self.emit("take", stored)
                return True
        self._hand_on(stored)  # to a microphone started since on the folder: it waited for the start after
        return False
