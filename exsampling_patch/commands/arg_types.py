"""Argument types for numbers the sub-commands take: a value out of range is refused when the command line is read
(``exsampling run: error: argument --for: must be more than 0, not -1``, exit status 2), not run with or turned
into a traceback further on."""

from __future__ import annotations

import argparse
import math
import string
from collections.abc import Callable

from exsampling_patch.commands.arg_parser import not_a_number


def positive_seconds(text: str) -> float:
    """A number of seconds more than 0 (and finite)."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: '{text}'{_in_seconds(text)}") from None
    if not 0 < seconds < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return seconds


#: Units a length of time is typed with (`--for 5m`), in seconds: the option takes the number of seconds alone.
UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


def _in_seconds(text: str) -> str:
    """A hint giving ``text`` in seconds where it is a number and a unit (``5m``: " (give the seconds alone: 300)")."""
    number = text.rstrip(string.ascii_letters).strip()
    unit = text[len(number):].strip().lower()
    try:
        seconds = float(number) * UNITS[unit]
    except (KeyError, ValueError):
        return ""
    return f" (give the seconds alone: {seconds:g})" if 0 < seconds < math.inf else ""


def at_least(least: float, kind: type[int] | type[float] = int) -> Callable[[str], float]:
    """A number (``kind``) of at least ``least``, finite."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(not_a_number(text, kind)) from None
        if not least <= value < math.inf:
            raise argparse.ArgumentTypeError(f"must be at least {least:g}, not {text}")
        return value

    return parse
