"""The web recorder's upload limit and deadline against its longest take: the size of the WAV the phone page sends
(its ``check_params`` problem and ``check_warnings`` warning on ``max_upload_mb``; its warning on
``min_upload_kbps``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: The lowest and the usual rate of a phone page's takes: it records at its AudioContext's rate, the phone's own.
PHONE_RATES = (44100, 48000)


def page_take_bytes(seconds: float, rate: int) -> int:
    """The smallest WAV the phone page sends for a take of ``seconds`` at ``rate``: 16-bit mono after a 44-byte
    header (static/record.js, encodeWav); a take it stops at max_seconds is up to a 2048-frame block longer."""
    return 44 + 2 * math.ceil(seconds * rate)


#: The frames a take the page stops at max_seconds may run past it: it stops at the end of a 2048-frame block.
PAGE_BLOCK_SLACK = 2047
#: A slow phone network (the edge of a venue's Wi-Fi) a full-length take should still get through on, in bytes a
#: second. The page itself waits for an upload's try up to as long as the recorder does (static/upload.js,
#: uploadWaitMs).
SLOW_NETWORK_BYTES_PER_S = 50_000


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
    """A ``min_upload_kbps`` a full-length take at 48 kHz cannot keep pace with on a slow phone network (400 kbit/s):
    each try is cut off and answered 408, and the take sent again, for ever. The recorder waits for an upload
    ``request_timeout`` past the time its size takes at ``min_upload_kbps`` (``door.py``); a fixed ``request_timeout``
    alone cut every long take on such a network (120 s take, 11.5 MB: 230 s at 400 kbit/s)."""
    seconds, timeout, kbps = params.get("max_seconds"), params.get("request_timeout"), params.get("min_upload_kbps")
    if not isinstance(seconds, float) or not isinstance(timeout, float) or not isinstance(kbps, float):
        return {}
    largest = page_take_bytes(seconds, PHONE_RATES[1]) + 2 * PAGE_BLOCK_SLACK
    if timeout + largest / (kbps * 1e3 / 8) >= largest / SLOW_NETWORK_BYTES_PER_S:
        return {}
    size = math.ceil(largest / 1e4) / 100
    slowest = SLOW_NETWORK_BYTES_PER_S * 8 / 1e3
    return {("min_upload_kbps",): f"{kbps:g} kbit/s is fast for a full-length take (max_seconds, {seconds:g} s): a "
                                  f"phone at {PHONE_RATES[1] / 1000:g} kHz sends one as up to {size:.2f} MB, which "
                                  f"takes {largest / SLOW_NETWORK_BYTES_PER_S:.0f} s on a slow phone network "
                                  f"({slowest:g} kbit/s), past the {timeout:g} s (request_timeout) + "
                                  f"{largest * 8 / kbps / 1e3:.0f} s the recorder waits for it: "
                                  "every try is cut off (408) and the take sent again, never stored; make it at most "
                                  f"{slowest:g} kbit/s or max_seconds shorter"}
