"""What a stop leaves the performer to be told, said alike by ``exsampling run``'s summary and by the editor's status
bar after its Stop: the takes a web recorder refused for its full disk, kept on the phones (its ``held_on_phones``
status), and the phones' uploads its stop cut off mid-body (its ``uploads_cut_off`` status)."""

from __future__ import annotations

from collections.abc import Mapping

from exsampling_patch.wording import counted


def phones_parts(held: Mapping[str, int], cut: Mapping[str, int]) -> list[str]:
    """The stop's sentences on the takes still on the phones, held ones first: ``held`` (:func:`held_parts`), then
    ``cut`` (:func:`uploads_cut_parts`)."""
    return held_parts(held) + uploads_cut_parts(cut)


def held_parts(counts: Mapping[str, int]) -> list[str]:
    """One sentence per recorder that refused takes for its full disk (507) and did not store them since: no take
    refused for good (the phone keeps it and sends it again), so none ended, and nothing else says them. ``counts``:
    node id -> its ``held_on_phones`` status, above 0."""
    return [f"{counted(count, 'take')} refused by '{node_id}' for its full disk, kept on the phones: make room, they "
            "are sent again" for node_id, count in counts.items()]


def uploads_cut_parts(counts: Mapping[str, int]) -> list[str]:
    """One sentence per recorder whose stop cut phones' uploads mid-body: no take lost (each phone keeps its take and
    sends it again), but nothing else says that takes were on their way. ``counts``: node id -> its ``uploads_cut_off``
    status, above 0."""
    return [(f"1 upload from a phone to '{node_id}' cut off by the stop: the phone keeps that take and sends it"
             if count == 1 else f"{count} uploads from phones to '{node_id}' cut off by the stop: the phones keep "
             "those takes and send them") + " again when the recorder is back" for node_id, count in counts.items()]
