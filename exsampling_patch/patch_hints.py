"""Hints for slips in a patch's structure that :mod:`exsampling_patch.patchfile` finds while reading it: a link
written with another arrow or none (:func:`arrow_meant`), ``params`` that are not a mapping (:func:`params_hint`),
a misspelt key (:func:`did_you_mean`), a format version that is no whole number (:func:`version_hint`), a character
that cannot be seen in a value (:func:`invisible_character`). Apart from the reader so that it stays short."""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any

from exsampling_patch.patch import FORMAT_VERSION, LINK_ARROW, VERSION_KEY
from exsampling_patch.yaml_syntax import NO_BREAK_SPACE_HINT, SQUEEZED_PAIR

#: Arrows a link is written with by mistake (a typographic arrow pasted from a web page or a math font: '\u2192',
#: the long '\u27f6', the double '\u21d2'; another language's '=>'; a word processor's '--' or '-' made an em or
#: en dash: '\u2014>'), and whether each points from the input back to the output.
_OTHER_ARROWS = (("\u2192", False), ("\u27f6", False), ("\u21d2", False), ("=>", False), ("\u2014>", False),
                 ("\u2013>", False), ("\u2190", True), ("\u27f5", True), ("\u21d0", True), ("<-", True),
                 ("<\u2014", True), ("<\u2013", True))


#: The link arrow with more arrow characters stuck to it: 'a.out --> b.take' split at '->' was a link from
#: the output 'out -'.
_LONG_ARROW = re.compile(r"[-=<>\u2013\u2014]*->[->]*")

#: The characters an arrow is drawn with, stuck to another arrow ('==>', '<--', '\u2192>').
_ARROW_CHARS = "[-=<>\u2013\u2014\u2190\u2192\u21d0\u21d2\u27f5\u27f6]"


def arrow_meant(text: str) -> tuple[str, str]:
    """The arrow written and the link ``text`` meant, written with another arrow (``trim.out => pitch.take``,
    ``trim.out --> pitch.take``), or ('', '')."""
    long = _LONG_ARROW.search(text) if text.count(LINK_ARROW.strip()) == 1 else None
    if long is not None:  # the link arrow is there: no other arrow is looked for (a node id may hold '<-')
        source, target = text[:long.start()].strip(), text[long.end():].strip()
        wrong = long.group() != LINK_ARROW.strip() and source and target
        return (long.group(), f"{source}{LINK_ARROW}{target}") if wrong else ("", "")
    for arrow, backwards in _OTHER_ARROWS:
        # With the arrow characters stuck to it: 'a.out ==> b.take' split at '=>' meant the output 'out ='.
        written = list(re.finditer(f"{_ARROW_CHARS}*{re.escape(arrow)}{_ARROW_CHARS}*", text))
        if len(written) != 1:
            continue
        ends = [text[:written[0].start()].strip(), text[written[0].end():].strip()]
        if all(ends):
            source, target = reversed(ends) if backwards else ends
            return written[0].group(), f"{source}{LINK_ARROW}{target}"
    bare = _BARE_ARROW.fullmatch(text)  # 'a.out b.take', 'a.out > b.take': two ends, half an arrow or none
    return (bare["arrow"].strip(), f"{bare['from']}{LINK_ARROW}{bare['to']}") if bare else ("", "")


#: Two port ends with half an arrow between them, or only spaces.
_BARE_ARROW = re.compile(r"\s*(?P<from>[^\s.]+\.[^\s.]+)(?P<arrow>\s*[->]\s*|\s+)(?P<to>[^\s.]+\.[^\s.]+)\s*")


#: A parameter written with a space where its colon goes (``top_db 60.0``).
_NO_COLON_PARAM = re.compile(r"([A-Za-z_]\w*)\s+([^\s:].*)")


def params_hint(params: Any) -> str:
    """How to write a node's ``params`` that are no mapping: ``top_db:50`` (no space after the colon) is text to
    YAML, and "'params' must be a mapping" did not say which character was missing."""
    if isinstance(params, str) and "\u00a0" in params:
        return NO_BREAK_SPACE_HINT.replace("at this column", "in it")
    pairs = params.split() if isinstance(params, str) else []
    if pairs and all(SQUEEZED_PAIR.fullmatch(pair) for pair in pairs):
        meant = ", ".join(f"'{key}: {value}'" for key, _, value in (pair.partition(":") for pair in pairs))
        return f"a key is followed by a colon and a space: write {meant}"
    no_colon = _NO_COLON_PARAM.fullmatch(params) if isinstance(params, str) else None
    if no_colon:  # ``top_db 60.0`` alone under ``params:``: one line of text to YAML, not a pair
        return f"a parameter is its name, a colon and a space, then its value: write '{no_colon[1]}: {no_colon[2]}'"
    return "write each parameter as 'name: value' on a line of its own, indented under 'params:'"


def did_you_mean(key: Any, known: tuple[str, ...], known_as: str) -> str:
    """A misspelt key's hint: the known key it is closest to (``paramz``: ``params``), then all of them."""
    close = difflib.get_close_matches(str(key), known, n=1)
    return (f"did you mean '{close[0]}'? " if close else "") + f"{known_as} {', '.join(known)}"


def version_hint(version: Any) -> str:
    """How to write a format version that is no positive whole number: ``1.0`` and ``"1"`` are the 1 meant, and
    "must be a positive whole number, got 1.0" left the performer to guess what to write instead."""
    if isinstance(version, float) and version.is_integer() and version >= 1:
        return f"write {int(version)}, without the decimal point: '{VERSION_KEY}: {int(version)}'"
    if isinstance(version, str) and version.strip().isdigit() and int(version) >= 1:
        return f"a number in quotes is text: write it without the quotes, '{VERSION_KEY}: {int(version)}'"
    return f"write '{VERSION_KEY}: {FORMAT_VERSION}', the format this build reads"



def _unseen(char: str) -> bool:
    """A character that shows as nothing or as a space and is not the plain space: a no-break space, a zero-width
    space, a word joiner, a byte-order mark."""
    return char != " " and unicodedata.category(char) in ("Zs", "Cf")


def visible(text: str) -> str:
    """``text`` without the characters that cannot be seen (:func:`invisible_character`'s), nor spaces at its ends."""
    return "".join(c for c in text if not _unseen(c)).strip()


def invisible_character(value: Any, line: str) -> tuple[str, int | None] | None:
    """A hint naming the first character of the text ``value`` that cannot be seen (a no-break space, a zero-width
    space: not the plain space, which YAML drops around a value), and its column (1-based) in ``line``, the file's
    line that holds it (None where it is not found there); or None. ``type: log`` with a no-break space after it
    was "unknown node type 'log '", the character not to be seen in the message either."""
    if not isinstance(value, str):
        return None
    at = next((i for i, char in enumerate(value) if _unseen(char)), None)
    if at is None:
        return None
    char, seen = value[at], [i for i, c in enumerate(value) if not _unseen(c) and c != " "]
    start = line.find(value)
    column = start + at + 1 if start >= 0 else line.find(char) + 1 or None
    where = "holds" if not seen else "begins with" if at < seen[0] else "ends with" if at > seen[-1] else "holds"
    shown = visible(value)
    return (f"'{shown}' {where} a {unicodedata.name(char, 'invisible character').lower()} (U+{ord(char):04X})"
            f"{f' at column {column}' if column else ''}, which cannot be seen: copied from a web page or a document? "
            "delete it", column)
