"""The takes stored but not done before the last run ended, made known at start before the server listens."""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.phones import PhoneLists
from exsampling_patch.nodes.web_recorder.rows import sidecar_meta, sidecar_row
from exsampling_patch.nodes.web_recorder.seen import Key, SeenTakes
from exsampling_patch.nodes.web_recorder.status import StatusBoard
from exsampling_patch.nodes.web_recorder.store import check_stored
from exsampling_patch.takes import TakeStore, sidecar_path, write_atomic

Unfinished = deque[tuple[Path, str, Key | None]]

#: The fate a late take's sidecar is given where its phone's retry was stored as another take, and the late copy could
#: not be written down as done (:func:`mark_stored_again`).
STORED_AGAIN = "stored again"

log = logging.getLogger("exsampling.web_recorder")


def know_unfinished(store: TakeStore, board: StatusBoard, phones: PhoneLists, seen: SeenTakes,
                    lost: Callable[[Path, str, Key | None, Exception], None],
                    remember: Callable[[Key, dict[str, Any]], None],
                    kept: Callable[[str], bool] | None = None, owner: object = None) -> Unfinished:
    """Make the takes stored but not done before the last run ended known, from their sidecars and the headers
    of their audio (no samples read): on ``board``, in ``phones``' lists, their replies in ``seen`` (``remember``).

    Called in the recorder's start before the server listens: a phone retrying one of them (its reply lost in the
    crash) is answered as a duplicate of the stored take, with its take id, whether it has been passed on
    again yet or not, and is not stored a second time. The takes themselves flow on from the recorder's recovery.
    A take whose audio is already seen to be unreadable (its header, or a WAV cut short: :func:`.check_stored`)
    is lost here (``lost``), before the server listens: its phone's retry, however soon, is stored anew. A take
    ``kept`` says is in flight in this run keeps its row on ``board`` (:func:`know_one`). A take whose sidecar says its
    phone's retry was stored as another take (:func:`mark_stored_again`) is written down as done, not passed on.
    Rows are added as ``owner``'s (:meth:`~.status.StatusBoard.add`).
    """
    paths: Unfinished = deque()
    for path, data in store.unfinished():
        if stored_again_as(data) is not None:
            _write_down_stored_again(store, data)
            continue
        entry = know_one(path, data, board, phones, seen, lost, remember, kept, owner)
        if entry is not None:
            paths.append(entry)
    return paths


def know_one(path: Path, data: dict[str, Any], board: StatusBoard, phones: PhoneLists, seen: SeenTakes,
             lost: Callable[[Path, str, Key | None, Exception], None],
             remember: Callable[[Key, dict[str, Any]], None],
             kept: Callable[[str], bool] | None = None, owner: object = None) -> tuple[Path, str, Key | None] | None:
    """Make one stored take known as :func:`know_unfinished` does (``path``: its audio; ``data``: its sidecar's); its
    entry to pass on, or None where it proved unreadable (``lost``). A take ``kept`` says is in flight in this run (a
    live edit rebuilt the recorder) keeps its row on the board, which the process's recorders share: added anew, the
    row lost what a ``recorder_status`` node had written (its label, confidence, slot, pitch) and said "received"."""
    meta = sidecar_meta(data)
    recorder = str(meta.get("recorder") or data.get("source") or "")
    row = sidecar_row(data, path)
    key = key_of(data)
    if kept is None or board.get(row["take_id"]) is None or not kept(row["take_id"]):
        board.add(row["take_id"], str(data.get("source") or recorder), owner=owner, **row)
    if meta.get("phone"):
        phones.add(str(meta["phone"]), row["take_id"])
    try:
        check_stored(path)
    except Exception as error:
        lost(path, data["take_id"], key, error)  # its key withdrawn, if an earlier run wrote it
        return None
    if key is not None and key not in seen:  # acknowledged or not, a retry must not make a second take
        remember(key, {"status": "received", **row})
    return path, data["take_id"], key


def key_of(data: dict[str, Any]) -> Key | None:
    """The key (recorder, phone, the phone's take id) of a stored take, from its sidecar's ``data``; None where the
    take came with no take id of the phone's."""
    meta = sidecar_meta(data)
    if not meta.get("client_take_id"):
        return None
    recorder = str(meta.get("recorder") or data.get("source") or "")
    return recorder, str(meta.get("phone", "")), str(meta["client_take_id"])


def mark_stored_again(audio: Path, retry_id: str) -> None:
    """Write into the sidecar of the late take ``audio`` that its phone's retry was stored as take ``retry_id`` (an
    OSError where it cannot be): its take folder's journal could not say it is done, and the next start on that folder
    found it not done and passed it on, though the retry had gone through the patch already. Atomic: a crash leaves
    the sidecar as it was or as it is now, never half of it."""
    sidecar = sidecar_path(audio)
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    data["ended"] = {"fate": STORED_AGAIN, "as": retry_id, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    text = json.dumps(data, indent=1)
    write_atomic(sidecar, lambda tmp: tmp.write_text(text, encoding="utf-8"), private=False)


def stored_again_as(data: dict[str, Any]) -> str | None:
    """The take id a stored take's phone's retry was stored as, where its sidecar's ``data`` says so
    (:func:`mark_stored_again`); else None."""
    ended = data.get("ended")
    if isinstance(ended, dict) and ended.get("fate") == STORED_AGAIN:
        return str(ended.get("as", ""))
    return None


def _write_down_stored_again(store: TakeStore, data: dict[str, Any]) -> None:
    """A take found not done whose retry went through the patch as another take: written down as done now, not passed
    on (nor listed: the phone has the retry's row); a journal still not writable leaves it for the next start, which
    passes it on no more than this one."""
    take_id, retry_id = str(data["take_id"]), stored_again_as(data)
    try:
        store.mark_done(take_id)
    except OSError as error:
        log.warning("take %s, stored again as take %s, is not passed on; it still cannot be written down as done "
                    "(%s)", take_id, retry_id, error.strerror or error)
        return
    log.info("take %s, stored again as take %s, written down as done, not passed on", take_id, retry_id)
