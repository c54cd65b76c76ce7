"""The web recorder's upload limit and deadline against its longest take: the size of the WAV the phone page sends
(its ``check_params`` problem and ``check_warnings`` warning on ``max_upload_mb``; its warning on
``request_timeout``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: The lowest and the usual rate of a phone page's takes: it records at its AudioContext's rate, the phone's own.
PHONE_RATES = (44100, 48000)


def page_take_bytes(seconds: float, rate: int) -> int:
    """The smallest WAV the phone page sends for a take of ``seconds`` at ``rate``: 16-bit mono after a 44-byte
    header (static/app.js, encodeWav); a take it stops at max_seconds is up to a 2048-frame block longer."""
    return 44 + 2 * math.ceil(seconds * rate)


#: The frames a take the page stops at max_seconds may run past it: it stops at the end of a 2048-frame block.
PAGE_BLOCK_SLACK = 2047
#: The slowest network the phone page waits on an upload for (static/app.js, UPLOAD_SLOWEST_BYTES_PER_MS), in bytes
#: a second.
PAGE_SLOWEST_BYTES_PER_S = 50_000


def _enough_mb(take_bytes: int) -> float:
    """The upload limit, in MB rounded up to 0.1, that a take of ``take_bytes`` stopped a block late fits."""
    return math.ceil((take_bytes + 2 * PAGE_BLOCK_SLACK) / 1e5) / 10


def upload_limit_problems(params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """A limit that refuses every full-length take, even at 44.1 kHz (see ``WebRecorder.check_params``)."""
    seconds, megabytes = params.get("max_seconds"), params.get("max_upload_mb")
    if not isinstance(seconds, float) or not isinstance(megabytes, float):
        return {}
    lowest, usual = (page_take_bytes(seconds, rate) for rate in PHONE_RATES)
    if int(megabytes * 1e6) >= lowest:
        return {}
    return {("max_upload_mb",): f"{megabytes:g} MB refuses every full-length take (max_seconds, {seconds:g} s): "
                                f"a phone sends one as {lowest / 1e6:.2f} MB at {PHONE_RATES[0] / 1000:g} kHz, "
                                f"{usual / 1e6:.2f} MB at {PHONE_RATES[1] / 1000:g} kHz (16-bit mono WAV); "
                                f"make it at least {_enough_mb(usual):g} MB or max_seconds shorter"}


def upload_limit_warnings(params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """A limit that refuses a full-length take at 48 kHz only (see ``WebRecorder.check_warnings``)."""
    seconds, megabytes = params.get("max_seconds"), params.get("max_upload_mb")
    if not isinstance(seconds, float) or not isinstance(megabytes, float):
        return {}
    lowest, usual = (page_take_bytes(seconds, rate) for rate in PHONE_RATES)
    largest = usual + 2 * PAGE_BLOCK_SLACK
    if not lowest <= int(megabytes * 1e6) < largest:
        return {}
    return {("max_upload_mb",): f"{megabytes:g} MB refuses a full-length take (max_seconds, {seconds:g} s) from "
                                f"a phone recording at {PHONE_RATES[1] / 1000:g} kHz, as most do: up to "
                                f"{math.ceil(largest / 1e4) / 100:.2f} MB (16-bit mono WAV), where one at "
                                f"{PHONE_RATES[0] / 1000:g} kHz is {lowest / 1e6:.2f} MB; make it at least "
                                f"{_enough_mb(usual):g} MB or max_seconds shorter"}


def upload_time_warnings(params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """A ``request_timeout`` a full-length take at 48 kHz cannot be sent within on a network as slow as the page waits
    for: each try is cut off and answered 408, and the take sent again, for ever. (A default max_seconds, 10 s, takes
    20 s at that rate; 120 s takes 230 s, past the default 120.)"""
    seconds, timeout = params.get("max_seconds"), params.get("request_timeout")
    if not isinstance(seconds, float) or not isinstance(timeout, float):
        return {}
    largest = page_take_bytes(seconds, PHONE_RATES[1]) + 2 * PAGE_BLOCK_SLACK
    needed = largest / PAGE_SLOWEST_BYTES_PER_S
    if timeout >= needed:
        return {}
    size = math.ceil(largest / 1e4) / 100
    return {("request_timeout",): f"{timeout:g} s is short for a full-length take (max_seconds, {seconds:g} s): a "
                                  f"phone at {PHONE_RATES[1] / 1000:g} kHz sends one as up to {size:.2f} MB, which "
                                  f"needs {largest / timeout / 1e3:.0f} kB/s to arrive in time; on a slower network "
                                  f"(the phone's page waits for one as slow as {PAGE_SLOWEST_BYTES_PER_S / 1e3:g} "
                                  "kB/s) every try is cut off (408) and the take sent again, never stored; make it "
                                  f"at least {math.ceil(needed / 10) * 10:g} s or max_seconds shorter"}
