"""A web recorder's take as a row of its phone's take list: from the take as stored, or from its sidecar when
it is made known again at a start (a stored take not done before the last run ended), or as an ended take's row was
written down by an earlier run (:func:`saved_row`)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

from exsampling_patch.messages import Take

#: Where a row's ``not_loaded`` goes on with another output's word ("not loaded into sampler 'smp': ..., not
#: delivered to Live: ..."; then a node's error on it): each word, told apart.
_NEXT_WORD = re.compile(r", (?=not (?:loaded into|delivered to|sent to) |error in )")


def sidecar_meta(data: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` of a stored take's sidecar, or an empty dict where it has none (or not a dict)."""
    meta = data.get("meta")
    return meta if isinstance(meta, dict) else {}


def sidecar_row(data: dict[str, Any], audio: Path | None = None) -> dict[str, Any]:
    """:func:`take_row` of a stored take, from its sidecar (:func:`~exsampling_patch.takes.take_metadata`); a
    sidecar without its time (an older one, one written by hand) has its ``audio`` file's, else none. Before, it had
    none either way, which the phone's page showed as a time on 1 January 1970."""
    meta = sidecar_meta(data)
    recorded_at = data.get("recorded_at")
    if not isinstance(recorded_at, (int, float)) or isinstance(recorded_at, bool):
        recorded_at = None
        if audio is not None:
            with contextlib.suppress(OSError):
                recorded_at = audio.stat().st_mtime
    loc = data.get("location")
    location = None
    if isinstance(loc, dict):
        location = {"latitude": loc.get("latitude"), "longitude": loc.get("longitude"),
                    "accuracy_m": loc.get("accuracy_m")}
    duration = data.get("duration")
    return {"take_id": data["take_id"], "client_take_id": meta.get("client_take_id", ""),
            "recorded_at": recorded_at,
            "duration": round(duration, 3) if isinstance(duration, (int, float)) else None,
            "sample_rate": data.get("sample_rate"), "location": location}


def take_row(take: Take) -> dict[str, Any]:
    """A take's row in its phone's take list, before anything became of it (the status board adds its fate)."""
    loc = take.location
    return {"take_id": take.take_id, "client_take_id": take.meta.get("client_take_id", ""),
            "recorded_at": take.recorded_at, "duration": round(take.duration, 3), "sample_rate": take.sample_rate,
            "location": None if loc is None else {"latitude": loc.latitude, "longitude": loc.longitude,
                                                  "accuracy_m": loc.accuracy_m}}


def saved_row(row: dict[str, Any]) -> dict[str, Any]:
    """An ended take's row as an earlier run wrote it down (``phone-takes.jsonl``), with the fields a row has now.

    A row written before rows said apart what an output did not load (``not_loaded``, a54a765) has it from its end,
    as the take's end is told now: its page showed the take "-> HH", loaded, where the end said "slot HH, not loaded
    into Live: ..."."""
    if "not_loaded" not in row:
        row["not_loaded"] = _not_loaded_in(row) if row.get("fate") == "slot" else ""
    return row


def _not_loaded_in(row: dict[str, Any]) -> str:
    """What a 'slot' end says after its slots ("slot HH, not loaded into Live: ..."; "" where it says nothing more).
    The row keeps its first slot only: after "slots A, B" what an output said is found by how it begins."""
    end, first = str(row.get("end") or ""), f"slot {row.get('slot')}"
    if end.startswith(first):
        return end[len(first):].removeprefix(", ")
    if end.startswith("slots "):
        found = [at for at in (end.find(", not loaded "), end.find(", error in ")) if at >= 0]
        return end[min(found) + 2:] if found else ""
    return ""


def loaded_after_all(row: dict[str, Any], by: str, kind: str) -> dict[str, Any]:
    """The fields of an ended take's row once output ``by`` (a node of type ``kind``) loaded it after all: ``by``
    among the outputs that have it, and its word left out of what was not loaded (a sampler's names it, "not loaded
    into sampler 'smp': ..."; Live's says "not loaded into Live"). The phone's page then shows the row plain, or amber
    where another output's word is left."""
    words = [word for word in _NEXT_WORD.split(str(row.get("not_loaded") or ""))
             if word and not _said_by(word.split(": ", 1)[0], by, kind)]
    loaded = [str(output) for output in row.get("loaded") or () if output != by]
    return {"not_loaded": ", ".join(words), "loaded": [*loaded, by]}


def _said_by(head: str, by: str, kind: str) -> bool:
    return f"'{by}'" in head or (kind == "ableton_live" and head.startswith("not loaded into Live"))
