"""A web recorder's take as a row of its phone's take list: from the take as stored, or from its sidecar when
it is made known again at a start (a stored take not done before the last run ended)."""

from __future__ import annotations

from typing import Any

from exsampling_patch.messages import Take


def sidecar_meta(data: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` of a stored take's sidecar, or an empty dict where it has none (or not a dict)."""
    meta = data.get("meta")
    return meta if isinstance(meta, dict) else {}


def sidecar_row(data: dict[str, Any]) -> dict[str, Any]:
    """:func:`take_row` of a stored take, from its sidecar (:func:`~exsampling_patch.takes.take_metadata`)."""
    meta = sidecar_meta(data)
    loc = data.get("location")
    location = None
    if isinstance(loc, dict):
        location = {"latitude": loc.get("latitude"), "longitude": loc.get("longitude"),
                    "accuracy_m": loc.get("accuracy_m")}
    duration = data.get("duration")
    return {"take_id": data["take_id"], "client_take_id": meta.get("client_take_id", ""),
            "recorded_at": data.get("recorded_at"),
            "duration": round(duration, 3) if isinstance(duration, (int, float)) else None,
            "sample_rate": data.get("sample_rate"), "location": location}


def take_row(take: Take) -> dict[str, Any]:
    """A take's row in its phone's take list, before anything became of it (the status board adds its fate)."""
    loc = take.location
    return {"take_id": take.take_id, "client_take_id": take.meta.get("client_take_id", ""),
            "recorded_at": take.recorded_at, "duration": round(take.duration, 3), "sample_rate": take.sample_rate,
            "location": None if loc is None else {"latitude": loc.latitude, "longitude": loc.longitude,
                                                  "accuracy_m": loc.accuracy_m}}
