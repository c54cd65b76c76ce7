"""What a stop leaves the performer to be told, said alike by ``exsampling run``'s summary and by the editor's status
bar after its Stop: the takes a web recorder refused for its full disk, kept on the phones (its ``held_on_phones``
status), the phones' uploads its stop cut off mid-body (its ``uploads_cut_off`` status), and those it was still
checking and storing when its stop stopped waiting for them (its ``uploads_arriving`` status)."""

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


def arriving_parts(counts: Mapping[str, int]) -> list[str]:
    """One sentence per recorder whose stop stopped waiting (``STOP_WAIT``) for uploads read whole and still being
    checked and stored: what became of each comes after the stop, which said nothing of them. Stored, such a take is
    passed on at the next start; refused, its phone keeps it. ``counts``: node id -> its ``uploads_arriving`` status,
    above 0."""
    return [(f"1 upload from a phone to '{node_id}' still being stored as it stopped: stored, it is passed on at the "
             "next start; refused, its phone keeps it and sends it again" if count == 1 else
             f"{count} uploads from phones to '{node_id}' still being stored as it stopped: each stored is passed on "
             "at the next start; each refused, its phone keeps and sends again") for node_id, count in counts.items()]
