"""The recorder's table of acknowledged takes (:mod:`web_recorder.seen`) at its cap, ``KEEP_SEEN``: each retry of a
take it holds is answered with the take's first reply, never stored twice, across a restart too; the oldest go
first. It held every key as a tuple of three strings and every reply as a dict, over twice its size now that it
holds digests and packed replies."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.seen import KEEP_SEEN, SEEN_FILE, SeenTakes


def key(n: int) -> tuple[str, str, str]:
    """A phone's take as the recorder keys it: the recorder's name, the digest of the phone's key, its take id."""
    return f"Phone {n % 8}", f"{n % 8:032x}", f"{n:024x}"


def reply(n: int) -> dict[str, Any]:
    """The reply a take got, as the recorder makes it (its row on the phones' list)."""
    return {"status": "received", "take_id": f"phone-{n % 8}-20261205-060000-{n:04d}ab12", "client_take_id": key(n)[2],
            "recorded_at": 1764914400.0 + n / 7, "duration": round(1.0 + n % 5 / 3, 3), "sample_rate": 48000,
            "location": {"latitude": 48.8566 + n * 1e-6, "longitude": 2.3522, "accuracy_m": 12.5}}


def test_a_table_at_its_cap_holds_under_500_bytes_an_entry(tmp_path: Path) -> None:
    """Measured on a table of a smaller cap, for speed (tracemalloc slows each allocation): an entry's size is the
    same at any cap."""
    keep = 2000
    tracemalloc.start()
    try:
        seen = SeenTakes(tmp_path, keep=keep)
        base = tracemalloc.get_traced_memory()[0]
        for n in range(keep + 10):
            seen.remember(key(n), reply(n))
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
        seen.close()
    assert held < 500 * keep, f"{held / keep:.0f} bytes an entry at the cap"


def test_at_its_cap_each_retry_gets_its_first_reply_and_the_oldest_go_first(tmp_path: Path) -> None:
    over = 10
    seen = SeenTakes(tmp_path)
    for n in range(KEEP_SEEN + over):
        seen.remember(key(n), reply(n))
    try:
        for n in range(over, KEEP_SEEN + over):
            assert seen.claim(key(n)) == (False, reply(n)), n
        assert key(over - 1) not in seen and seen.claim(key(over - 1)) == (True, None), "the oldest went first"
        assert seen.claim(key(over - 1)) == (False, None), "a retry while it is stored is told so"
        seen.release(key(over - 1))
        assert seen.claim(key(over - 1)) == (True, None), "released, its retry is stored"
        seen.remember(key(over - 1), reply(0))
        seen.remember(key(over - 1), reply(1))  # remembered again: one entry, the newest reply
        assert seen.claim(key(over - 1)) == (False, reply(1))
        assert key(over) not in seen and key(over + 1) in seen, "the cap holds: one in, the oldest out"
    finally:
        seen.close()
    again = SeenTakes(tmp_path)
    try:
        assert key(over) not in again and again.claim(key(over - 1)) == (False, reply(1))
        for n in range(over + 1, KEEP_SEEN + over):
            assert again.claim(key(n)) == (False, reply(n)), n
    finally:
        again.close()


def test_a_file_over_twice_the_cap_is_rewritten_with_the_tables_entries(tmp_path: Path) -> None:
    """At start: the newest ``keep`` entries, in their order, each with its last reply; withdrawn ones and lines
    cut short by a crash left out. The table holds digests: the keys come from the file again."""
    keep = 20
    seen = SeenTakes(tmp_path, keep=keep)
    for n in range(3 * keep):
        seen.remember(key(n), reply(n))
    seen.remember(key(50), reply(7))  # its last reply, and now the newest
    assert seen.forget(key(55), reply(55)["take_id"])
    seen.close()
    with open(tmp_path / SEEN_FILE, "a", encoding="utf-8") as handle:
        handle.write('{"k": ["Phone 1", "')  # a crash mid-line
    again = SeenTakes(tmp_path, keep=keep)
    again.close()
    kept = [n for n in range(3 * keep - keep - 1, 3 * keep) if n not in (50, 55)] + [50]
    lines = [json.loads(line) for line in (tmp_path / SEEN_FILE).read_text(encoding="utf-8").splitlines()]
    assert [tuple(line["k"]) for line in lines] == [key(n) for n in kept]
    assert [line["r"] for line in lines] == [reply(7 if n == 50 else n) for n in kept]
    third = SeenTakes(tmp_path, keep=keep)
    try:
        for n in kept:
            assert third.claim(key(n)) == (False, reply(7 if n == 50 else n)), n
        assert third.claim(key(55)) == (True, None) and third.claim(key(3 * keep - keep - 2)) == (True, None)
    finally:
        third.close()
