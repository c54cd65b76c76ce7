"""How the web recorder takes in an upload: its phone take id claimed (a retry of one stored gets the first reply),
its WAV checked, stored and flushed to disk, then passed on (or handed on, stored after the stop). Methods of
:class:`~exsampling_patch.nodes.web_recorder.WebRecorder`, whose start sets what they use."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from exsampling_patch.messages import Take
from exsampling_patch.node import StandingWarning
from exsampling_patch.nodes.microphone_ids import free_take_id, random_ends
from exsampling_patch.nodes.passed_takes import passing_on, storing
from exsampling_patch.nodes.take_level import take_level
from exsampling_patch.nodes.web_recorder.recovery import TakeRecovery
from exsampling_patch.nodes.web_recorder.rows import take_row
from exsampling_patch.takes import take_metadata

if TYPE_CHECKING:
    from pathlib import Path

    from exsampling_patch.nodes.web_recorder.disk import DiskWatch
    from exsampling_patch.nodes.web_recorder.folders import TakeFolder
    from exsampling_patch.nodes.web_recorder.seen import Key


class UploadIntake(TakeRecovery):
    """The web recorder's taking in of uploads (a base of it, not a node type of its own)."""

    abstract = True

    max_seconds: float
    max_channels: int
    _lock: threading.Lock
    _accepting: int
    _count: int
    _recorders: set[str]
    _folder: TakeFolder
    _disk: DiskWatch
    _state: Path
    _notice_stands: StandingWarning
    _notice_told: str

    def _accept(self, upload: Any) -> dict[str, Any]:
        with self._lock:
            self._accepting += 1
        try:
            return self._accept_counted(upload)
        finally:
            with self._lock:
                self._accepting -= 1

    def _accept_counted(self, upload: Any) -> dict[str, Any]:
        from exsampling_patch.nodes.web_recorder import headers as fields
        from exsampling_patch.nodes.web_recorder.refused import FOR_GOOD, take_key
        from exsampling_patch.nodes.web_recorder.upload import UploadError, decode_wav

        headers: dict[str, str] = upload.headers
        recorder = fields.recorder_name(headers)
        fields.take_id(headers)  # a bad one is refused (400): take_key, which takes it for none, is no check of it
        phone = fields.phone(headers)
        key = take_key(headers)  # None: the phone gave the take no id of its own
        if key is not None:
            new, earlier = self._seen.claim(key)
            if not new:
                if earlier is None:
                    raise UploadError(409, "this take is being uploaded already")
                return {**earlier, "duplicate": True}
        try:
            # Once stored, the take's key is remembered before anything can fail (its emit, writing the state): a
            # retry after a 500 is this take, not stored anew. A failure flushing its folder is no failure to store it.
            reply = self._store_and_emit(upload, recorder, phone, key, headers, decode_wav)
        except BaseException as error:
            if key is not None:
                if isinstance(error, UploadError) and error.status == 507:
                    # On its phone: counted in the summary until it is stored. Before its claim is released: a retry
                    # stored in between was counted for ever, its "stored" told before this "refused".
                    self._disk.held(key, refused=True)
                elif isinstance(error, UploadError) and error.status in FOR_GOOD:
                    # Its phone drops it: held there no longer, it was counted in the summary for the rest of the show.
                    self._disk.dropped(key)
                self._seen.release(key)  # claimed, not stored: the phone's retry is stored
            raise
        finally:
            if key is not None:  # remembered, handed on late (stored after the stop) or released
                self._seen.settled(key)
        self._disk.held(key, refused=False)  # a keyless take ends a disk error too
        return reply

    def _store_and_emit(self, upload: Any, recorder: str, phone: str, key: Key | None, headers: dict[str, str],
                        decode: Any) -> dict[str, Any]:
        from exsampling_patch.nodes.web_recorder import headers as fields
        from exsampling_patch.nodes.web_recorder.late import hand_on
        from exsampling_patch.nodes.web_recorder.store import StoredUnflushed, store_upload
        from exsampling_patch.nodes.web_recorder.upload import UploadError

        location, location_error = fields.location(headers)
        recorded_at = fields.recorded_at(headers)
        wav = decode(upload.body, max_channels=self.max_channels)
        seconds = wav.samples.shape[0] / wav.sample_rate
        if seconds > self.max_seconds + 1.0:
            raise UploadError(413, f"the take is {seconds:.1f} s long; this recorder takes at most "
                                   f"{self.max_seconds:g} s")
        self._folder.make()  # refused (507, the reason) while it cannot be made
        self._disk.check(len(upload.body))
        meta: dict[str, Any] = {"recorder": recorder, "client_take_id": key[2] if key else "",
                                "has_location": location is not None, "received_at": upload.received_at,
                                "subtype": wav.subtype}
        if phone:
            meta["phone"] = phone  # a digest: the take, recovered after a crash, is still the phone's
        if location is None:
            meta["location_error"] = location_error or "the phone sent no location"
        with self._lock:
            self._count += 1
            number = self._count
            self._recorders.add(recorder)
        slug = fields.name_slug(recorder)
        # Free in the folder: two recorders of one name (a live edit's, a Stop then Run) in one second, with one count
        # and one random part, gave two takes one id, the later's files renamed over the earlier's (its audio gone).
        take_id = free_take_id(self._store, slug, random_ends(number))
        take = Take(wav.samples, wav.sample_rate, take_id=take_id, source=recorder, location=location,
                    recorded_at=recorded_at if recorded_at else time.time(), meta=meta)
        # Written and flushed to disk before anything else happens to it; known first as this run's: found by the start
        # of a recorder an edit made since, it is not told recovered from the last run.
        storing(self.context, take_id)
        try:
            stored = store_upload(take, upload.body, self._store.path_for(take))
        except StoredUnflushed as error:
            self.report_error(f"take {take_id} is stored in {self._store.folder}, but the folder could not be flushed "
                              f"to disk: {error.strerror or error}")
            stored = error.stored
        except OSError as error:
            # Told; the disk filled up since the check: a 507 as the check's (its phone keeps it, counted as held).
            full = self._disk.write_failed(error) or self._folder.write_failed(error)  # unwritable: 507, and why
            if full is not None:
                raise full from error
            raise
        stored = stored.derive(meta={"stored_at": time.monotonic()})
        row = take_row(stored)
        # From here on the take is stored and its phone told so (201), whatever fails: answered 500, the phone's retry
        # got the first reply as a duplicate (200) and the take was passed on only at the next start.
        with self._gate.passing() as open_:
            # Stored after the stop (a request the server's stop gave up waiting for): received, left on disk, not
            # done; the next start lists it, remembers its phone take id (a retry is its duplicate) and passes it on.
            if not open_:
                # Unless a recorder started since on this take folder or state folder (an edit rebuilt this one), which
                # takes it on now (:mod:`.late`).
                if stored.path is not None:
                    hand_on(self._store.folder, self._state, self.context, self.node_id, stored.path,
                            take_metadata(stored))
                return {"status": "received", **row}
            if key is not None:  # before it flows on: a retry after a crash from here on gets this reply
                self._seen.remember_told(key, {"status": "received", **row})
            self._board.add(stored.take_id, recorder, owner=self._owner, **row)
            if phone:
                self._phones.add(phone, stored.take_id)
            # A phone reached the recorder, past the new certificate or with the new token: the notice is done.
            # Only the notice itself: not a warning told since, as a disk filling up (told as this very take came in).
            ended = self._notice_stands.ended() if self.shown_warning == self._notice_told else {}
            # Told with its length (the console's line, the editor) before it flows on, as the folder node and a
            # recovered take tell it: told after, a take that ended within a millisecond had its console line
            # written without its length ("take ... from Bo: slot HH").
            self.report_status(take=stored.take_id, takes=number, recorders=len(self._recorders),
                               label=f"{recorder}: {stored.duration:.1f} s", duration=round(stored.duration, 2),
                               level=take_level(stored), **ended)
            try:
                with passing_on(self.context, stored.take_id, self._store):
                    self.emit("take", stored)
                passed = True
            except Exception as error:
                passed = self._pass_on_later(stored, key, error)
        if passed and self._done_at_emit:
            self._mark_done_told(self._store, stored.take_id)
        return {"status": "received", **row}
