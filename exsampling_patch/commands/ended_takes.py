"""Which takes ended in this run, past the :data:`~exsampling_patch.commands.late_loads.TAKES_KEPT` the stage console
remembers by id: a compact filter of every take whose line went out.

A take forgotten as ended and named again by a status (the sampler playing it, a load after all) is taken for one on
its way; an error naming it was left for a line that had gone out long before, and told only at the run's flush, as
one of the takes "whose lines the stop cut off": untrue, and late. The filter answers whether a take's line is out,
for a whole show in a fixed 128 KiB: it may answer yes for a take that never ended (with 2^20 bits and 4 hashes,
(1 - e^(-4n / 2^20))^4 of n takes: about once in a hundred at 100,000 takes, once in 510,000 at 10,000), and then an
error on that take is told at once rather than on its line.
"""

from __future__ import annotations

import hashlib

#: Bits of the filter, and the bits a take sets.
BITS = 1 << 20
HASHES = 4


class EndedTakes:
    """Takes whose line went out: :meth:`add` each, ``take_id in`` asks (may say yes of one never added, rarely)."""

    def __init__(self) -> None:
        self._bits = bytearray(BITS // 8)

    def add(self, take_id: str) -> None:
        for bit in _bits_of(take_id):
            self._bits[bit >> 3] |= 1 << (bit & 7)

    def __contains__(self, take_id: object) -> bool:
        return isinstance(take_id, str) and all(self._bits[bit >> 3] >> (bit & 7) & 1 for bit in _bits_of(take_id))


def _bits_of(take_id: str) -> list[int]:
    digest = hashlib.blake2b(take_id.encode("utf-8", "surrogatepass"), digest_size=4 * HASHES).digest()
    return [int.from_bytes(digest[4 * n:4 * n + 4], "little") % BITS for n in range(HASHES)]
