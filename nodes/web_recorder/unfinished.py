"""The takes stored but not done before the last run ended, made known at start before the server listens."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.phones import PhoneLists
from exsampling_patch.nodes.web_recorder.rows import sidecar_meta, sidecar_row
from exsampling_patch.nodes.web_recorder.seen import Key, SeenTakes
from exsampling_patch.nodes.web_recorder.status import StatusBoard
from exsampling_patch.nodes.web_recorder.store import check_stored
from exsampling_patch.takes import TakeStore

Unfinished = deque[tuple[Path, str, Key | None]]


def know_unfinished(store: TakeStore, board: StatusBoard, phones: PhoneLists, seen: SeenTakes,
                    lost: Callable[[Path, str, Key | None, Exception], None],
                    remember: Callable[[Key, dict[str, Any]], None],
                    kept: Callable[[str], bool] | None = None) -> Unfinished:
    """Make the takes stored but not done before the last run ended known, from their sidecars and the headers
    of their audio (no samples read): on ``board``, in ``phones``' lists, their replies in ``seen`` (``remember``).

    Called in the recorder's start before the server listens: a phone retrying one of them (its reply lost in the
    crash) is answered as a duplicate of the stored take, with its take id, whether it has been passed on
    again yet or not, and is not stored a second time. The takes themselves flow on from the recorder's recovery.
    A take whose audio is already seen to be unreadable (its header, or a WAV cut short: :func:`.check_stored`)
    is lost here (``lost``), before the server listens: its phone's retry, however soon, is stored anew. A take
    ``kept`` says is in flight in this run keeps its row on ``board`` (:func:`know_one`).
    """
    paths: Unfinished = deque()
    for path, data in store.unfinished():
        entry = know_one(path, data, board, phones, seen, lost, remember, kept)
        if entry is not None:
            paths.append(entry)
    return paths


def know_one(path: Path, data: dict[str, Any], board: StatusBoard, phones: PhoneLists, seen: SeenTakes,
             lost: Callable[[Path, str, Key | None, Exception], None],
             remember: Callable[[Key, dict[str, Any]], None],
             kept: Callable[[str], bool] | None = None) -> tuple[Path, str, Key | None] | None:
    """Make one stored take known as :func:`know_unfinished` does (``path``: its audio; ``data``: its sidecar's); its
    entry to pass on, or None where it proved unreadable (``lost``). A take ``kept`` says is in flight in this run (a
    live edit rebuilt the recorder) keeps its row on the board, which the process's recorders share: added anew, the
    row lost what a ``recorder_status`` node had written (its label, confidence, slot, pitch) and said "received"."""
    meta = sidecar_meta(data)
    recorder = str(meta.get("recorder") or data.get("source") or "")
    row = sidecar_row(data, path)
    key = key_of(data)
    if kept is None or board.get(row["take_id"]) is None or not kept(row["take_id"]):
        board.add(row["take_id"], str(data.get("source") or recorder), **row)
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
