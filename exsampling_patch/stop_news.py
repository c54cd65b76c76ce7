"""What a stop leaves the performer to be told, said alike by ``exsampling run``'s summary and by the editor's status
bar after its Stop: the phones' uploads a web recorder's stop cut off mid-body (its ``uploads_cut_off`` status)."""

from __future__ import annotations

from collections.abc import Mapping


def uploads_cut_parts(counts: Mapping[str, int]) -> list[str]:
    """One sentence per recorder whose stop cut phones' uploads mid-body: no take lost (each phone keeps its take and
    sends it again), but nothing else says that takes were on their way. ``counts``: node id -> its ``uploads_cut_off``
    status, above 0."""
    return [(f"1 upload from a phone to '{node_id}' cut off by the stop: the phone keeps that take and sends it"
             if count == 1 else f"{count} uploads from phones to '{node_id}' cut off by the stop: the phones keep "
             "those takes and send them") + " again when the recorder is back" for node_id, count in counts.items()]
