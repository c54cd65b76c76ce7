"""A YAML syntax error as a located :class:`~exsampling_patch.errors.Problem`, at the line to fix; and hints for
values that YAML read as another kind than the one meant (:func:`quoting_hint`).

PyYAML marks where it stopped reading (``problem_mark``) and where the construct it was reading began
(``context_mark``). For a quote or a bracket that is never closed it stops far below, often past the last
line ("found unexpected end of stream" on line 12 of an 11-line file): the line to fix is where it opened.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

import yaml

from exsampling_patch.errors import Problem
from exsampling_patch.patch import LINK_KEYS, NODE_KEYS, TOP_KEYS
from exsampling_patch.wording import counted

#: Contexts of constructs that run on until they are closed: their start is where the mistake is.
_UNCLOSED = ("while scanning a quoted scalar", "while parsing a flow mapping", "while parsing a flow sequence")


def syntax_problem(error: yaml.MarkedYAMLError, file: str, text: str = "") -> Problem:
    """The problem for ``error`` met while reading ``file`` (whose ``text`` it is), at the opening of what was left
    unclosed, else where the parser stopped."""
    what = " ".join(x for x in (error.context, error.problem) if x)
    start, stop = error.context_mark, error.problem_mark
    if start is not None and stop is not None and error.context in _UNCLOSED and start.line < stop.line:
        scalar = _last_scalar(text.split("\n"), stop) if error.context != _UNCLOSED[0] else None
        if (scalar is not None and scalar.style in ("'", '"') and scalar.start_line < scalar.end_line == stop.line
                and (scalar.start_line, scalar.start_column) > (start.line, start.column)):
            # A quote left open inside the brackets read on past the one that closes them: the quote is the slip.
            line, column, hint = _open_quote(scalar)
            return Problem(f"YAML syntax error: {what}", file, line + 1, column + 1, hint=hint)
        return Problem(f"YAML syntax error: {what}", file, start.line + 1, start.column + 1,
                       hint=f"the quote or bracket that opens here is not closed: the parser stopped at line "
                            f"{stop.line + 1}, column {stop.column + 1}")
    mark = stop or start
    no_break = _no_break_space(error, text)
    if no_break is not None:
        line, column = no_break
        return Problem(f"YAML syntax error: {what}", file, line + 1, column + 1, hint=NO_BREAK_SPACE_HINT)
    squeezed = _key_without_space(text, [m.line for m in (start, stop) if m is not None])
    if squeezed is not None:
        line, column, fixed = squeezed
        return Problem(f"YAML syntax error: {what}", file, line + 1, column + 1,
                       hint=f"a key is followed by a colon and a space: write '{fixed}'")
    run_on = _run_on(error, text) or _value_to_quote(error, text)
    if run_on is not None:
        line, column, hint = run_on
        return Problem(f"YAML syntax error: {what}", file, line + 1, column + 1, hint=hint)
    hint = "check the indentation and quoting on this line"
    if "found another document" in (error.problem or ""):
        hint = ("a line '---' begins a second document here, and a patch file is one: delete the '---' line, and "
                "what follows it if that is another patch")
    elif mark is not None and _tab_indented(text, mark.line):
        # libyaml's "found character that cannot start any token" does not say the character is a tab.
        hint = "this line is indented with a tab: YAML indents with spaces only"
    elif mark is not None and _TAB_AFTER_DASH.match(_line(text, mark.line)):  # the Tab key after typing '-'
        hint = "a tab after the list item's '-': YAML needs a space there"
    elif mark is not None and any(word in (error.problem or "") for word in ("expected", "mapping values")):
        # "did not find expected key", "mapping values are not allowed": often a line indented to no level of the
        # lines above (or under a value, as its continuation): say by how much.
        indents = _indents(text, mark.line)
        if indents and indents[0] != indents[1]:
            own, above, item = indents
            hint = (f"check the indentation: this line has {counted(own, 'space')}, the line above "
                    f"{counted(above, 'space')}"
                    + (" to the text after its '- '" if item else ""))
    return Problem(f"YAML syntax error: {what}", file, mark.line + 1 if mark else None,
                   mark.column + 1 if mark else None, hint=hint)


#: A key and its value with no space after the colon (``type:trim``, not ``http://``): YAML reads it as text, not
#: a pair. The loader's hint for ``params: top_db:50`` matches each word with it too.
SQUEEZED_PAIR = re.compile(r"([A-Za-z_][\w-]*):([^\s:/].*)")

#: A line that is such a pair: YAML reads the line as text, run on into the lines below it, and stops a line or
#: two further down ("could not find expected ':'", "mapping values are not allowed"), where the hint named the
#: indentation of a line that is right.
_SQUEEZED = re.compile(rf"^(\s*(?:-\s+)?){SQUEEZED_PAIR.pattern}$")


def _key_without_space(text: str, marks: list[int]) -> tuple[int, int, str] | None:
    """(line, column, the line as meant) of a ``key:value`` line at a line the parser marked or at the last line
    above the first mark that holds something, or None."""
    lines = text.split("\n")
    if not marks or not lines:
        return None
    first = min(marks)
    above = next((n for n in range(min(first, len(lines)) - 1, -1, -1)
                  if lines[n].strip() and not lines[n].lstrip().startswith("#")), None)
    for number in [*sorted(set(marks)), *([above] if above is not None else [])]:
        if 0 <= number < len(lines):
            match = _SQUEEZED.match(lines[number].rstrip())
            if match:
                lead, key, value = match.groups()
                return number, len(lead), f"{key}: {value}"
    return None


#: A no-break space looks like a space and is not one to YAML: copied out of a web page, a document or a chat,
#: it makes a line text (``type:\u00a0trim``) or indents it by nothing.
NO_BREAK_SPACE_HINT = ("a no-break space (U+00A0) at this column, copied from a web page or a document, where YAML "
                       "needs a plain space: delete it and type a space")


def _no_break_space(error: yaml.MarkedYAMLError, text: str) -> tuple[int, int] | None:
    """(line, column) of the first no-break space from where what the parser stopped in began (the key or the
    text that ran on) to where it stopped, or None."""
    stop = error.problem_mark
    if stop is None or "\u00a0" not in text:
        return None
    lines = text.split("\n")
    first = stop.line - 1
    if error.context_mark is not None:
        first = min(first, error.context_mark.line)
    scalar = _last_scalar(lines, stop)
    if scalar is not None:
        first = min(first, scalar.start_line)
    for number in range(max(first, 0), min(stop.line + 1, len(lines))):
        column = lines[number].find("\u00a0")
        if column >= 0:
            return number, column
    return None


#: A line that is a key and its value with no colon between them (``type trim``, ``- id a``), or a key alone
#: (``nodes``): YAML reads it as text that runs on into the line below, and stops there.
_NO_COLON = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w-]*)(?:[ \t]+([^:#\s][^:#]*?))?\s*(?:#.*)?$")


def _run_on(error: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str] | None:
    """(line, column, hint) of the line a text that ran on into the line the parser stopped at began on, when
    that line is the mistake: a key with no colon, or a quote not closed on its line (closed by the opening
    quote of a value below); else None.

    The parser marks the line below ("could not find expected ':'", "mapping values are not allowed", "did not
    find expected key"), which is right, and its hint named that line's indentation."""
    stop = error.problem_mark
    if stop is None:
        return None
    lines = text.split("\n")
    if error.context == "while scanning a simple key" and error.context_mark is not None:
        start = error.context_mark.line  # the key that ran on, told by the scanner itself
    else:
        scalar = _last_scalar(lines, stop)
        if scalar is None or scalar.start_line >= scalar.end_line or scalar.end_line != stop.line:
            return None
        start = scalar.start_line
        if scalar.style in ("'", '"'):
            return _open_quote(scalar)
    if not 0 <= start < stop.line or start >= len(lines):
        return None
    match = _NO_COLON.match(lines[start])
    if match is None:
        return None
    lead, key, value = match.groups()
    if not value and lead.strip():
        return None  # ``- HH`` is a list's item, as likely as a key
    fixed = f"{lead.strip()} {key}:".lstrip() + (f" {value}" if value else "")
    return start, len(lead), f"this line has no colon after its key: write '{fixed}'"


#: The keys of a patch and of its nodes and links (those the reader knows): one of them after a key's value on its
#: line is a second key (``- id: a  type: log``), not text to quote.
_PATCH_KEYS = (*TOP_KEYS, *NODE_KEYS, *LINK_KEYS)

#: The keys of a patch whose values are lists or mappings, never text.
_HOLDERS = ("nodes", "links", "node_dirs", "params", "position")

#: A line that is a key and its value (``prefix: rock' : b``), a comment after it apart.
_PAIR = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):[ \t]+(\S.*?)(?:[ \t]+#.*)?$")


#: What YAML reads a value that begins with one of these as, where text was meant (``prefix: *loud*``).
_INDICATORS = {"*": "a reference to an anchor (&name) elsewhere in the file", "!": "a tag", "@": "a sign it reserves",
               "`": "a sign it reserves", "%": "a directive", "|": "the start of a text on the lines below",
               ">": "the start of a text on the lines below", "- ": "a list's item", "? ": "a key"}


def _value_to_quote(error: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str] | None:
    """(line, column, hint) of a value that YAML reads other than as the text it is, which quotes make right: one
    that holds ': ' (``prefix: rock' : b``, read as a key and its value), one that begins with a quote that closes
    before the value ends (``prefix: 'rock' n roll``), or one that begins with a sign YAML reads as its own
    (``prefix: *loud*``, ``name: !important``); else None. The parser stops inside the value, on a line indented
    as it should be, and the hint named the indentation or the quoting of the line."""
    stop = error.problem_mark
    problem = error.problem or ""
    if stop is None:
        return None
    match = _PAIR.match(_line(text, stop.line).rstrip())
    if match is None or not match.start(3) <= stop.column <= match.end(3):
        return None  # the parser stopped at a key or after the value: the value is not the slip
    key, value = match[2], match[3]
    sign = next((sign for sign in _INDICATORS if value.startswith(sign) or value == sign.strip()), None)
    if key in _HOLDERS:
        sign = None  # `nodes: - id: a`: the list goes on the lines below, not in quotes
    if "mapping values are not allowed" in problem and ": " in value and stop.column > match.start(3):
        inner = re.search(r"(?:^|\s)([A-Za-z_][\w-]*):\s", value)
        if inner is not None and (key == "params" or inner[1] in _PATCH_KEYS):  # `- id: a  type: log`: two keys
            return stop.line, match.start(3) + inner.start(1), f"one key a line: put '{inner[1]}:' on a line of its own"
        why, column = "YAML reads the ': ' in this value as a key's colon", stop.column  # at that colon
    elif "did not find expected key" in problem and value[0] in "'\"" and stop.column > match.start(3):
        why, column = "the quote that opens this value closes before the value ends", match.start(3)  # at the quote
    elif sign is not None:
        why, column = f"YAML reads a value that begins with '{sign.strip()}' as {_INDICATORS[sign]}", match.start(3)
    else:
        return None
    quoted = f"'{value}'" if "'" not in value else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    try:
        meant = yaml.safe_load(f"{key}: {quoted}") == {key: value}
    except yaml.YAMLError:
        meant = False
    if not meant:
        return None
    return stop.line, column, f"{why}: put the whole value in quotes: {key}: {quoted}"


class _Scalar(NamedTuple):
    """Where a scalar the scanner read begins and ends (0-based lines and columns), and its quote ('' for none)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    style: str


def _open_quote(scalar: _Scalar) -> tuple[int, int, str]:
    """(line, column, hint) of the quote that opens ``scalar``, a quoted text that ran on to a later line."""
    return (scalar.start_line, scalar.start_column,
            f"the quote that opens here is not closed on its line, so YAML read on to the quote on line "
            f"{scalar.end_line + 1}, column {scalar.end_column}: close it with {scalar.style} where the value ends")


def _last_scalar(lines: list[str], stop: yaml.Mark) -> _Scalar | None:
    """The last scalar the (pure Python) scanner reads that begins before ``stop``, or None.

    The scan begins at the last line above ``stop`` that starts at the margin (a node's ``- id:``, a top-level
    key): what ran on began there or below, and a 10 MB patch broken near its end took 30 s scanned whole. But a
    quote left open further up (``type: 'trim``) reads on past such lines to the next quote, and the parser stops
    just after it: a scan from a margin line inside the quote takes that quote for one that opens. Then the lines
    are scanned once more, from the last margin line at or above the first quote in the file: no text is quoted
    above it, so the scanner reads on from there as it does from the top. Scans from margin lines further and
    further up read the lines below them over and over, up to the top where the quote at the stop closes nothing
    (``prefix: rock' : b``): 8.5 s for a 40,000-line patch, 0.5 s now."""
    closing = _quote_before(lines, stop)
    margin = _margin_above(lines, min(stop.line - 1, len(lines) - 1))
    last, closed = _scan_for_scalar(lines, margin, stop, closing)
    if closing is None or closed:
        return last
    first_quote = next((n for n, x in enumerate(lines[:margin]) if "'" in x or '"' in x), None)
    if first_quote is None:
        return last  # no quote above to be inside of: the margin line is read as from the top
    return _scan_for_scalar(lines, _margin_above(lines, first_quote), stop, closing)[0]


def _margin_above(lines: list[str], line: int) -> int:
    """The last line at or above ``line`` that starts at the margin, else 0 (the top)."""
    return next((n for n in range(line, -1, -1) if lines[n][:1] not in ("", " ", "\t", "#")), 0)


def _quote_before(lines: list[str], stop: yaml.Mark) -> tuple[int, int] | None:
    """(line, column) just after a quote that the parser's ``stop`` follows on its line, or None."""
    if not 0 <= stop.line < len(lines):
        return None
    before = lines[stop.line][:stop.column].rstrip(" \t")
    return (stop.line, len(before)) if before[-1:] in ("'", '"') else None


def _scan_for_scalar(lines: list[str], first: int, stop: yaml.Mark,
                     closing: tuple[int, int] | None) -> tuple[_Scalar | None, bool]:
    """The last scalar the scanner reads from line ``first`` on that begins before ``stop``, or None; and whether
    a quoted scalar it reads ends at ``closing``."""
    last, closed = None, False
    try:
        for token in yaml.scan("\n".join(lines[first:stop.line + 1]), Loader=yaml.SafeLoader):
            if not isinstance(token, yaml.ScalarToken):
                continue
            begin = (first + token.start_mark.line, token.start_mark.column)
            end = (first + token.end_mark.line, token.end_mark.column)
            closed = closed or (token.style in ("'", '"') and end == closing)
            if begin < (stop.line, stop.column):
                last = _Scalar(*begin, *end, token.style or "")
    except yaml.YAMLError:
        pass  # the tokens read before the scanner's own error are what is asked about
    return last, closed


def _indents(text: str, line: int) -> tuple[int, int, bool] | None:
    """The indent of ``line`` and of the last line above it that holds something, or None; a key under a list
    item lines up with the item's text, not its '-' (``- id: a`` then ``  type: trim``): then the third is True."""
    lines = text.split("\n")
    if not 0 <= line < len(lines) or not lines[line].strip():
        return None
    above = [x for x in lines[:line] if x.strip() and not x.lstrip().startswith("#")]
    if not above:
        return None
    own = len(lines[line]) - len(lines[line].lstrip(" "))
    if lines[line].lstrip(" ").startswith("-"):
        return own, len(above[-1]) - len(above[-1].lstrip(" ")), False
    item = len(above[-1]) - len(above[-1].lstrip(" -"))
    return own, item, above[-1].lstrip(" ").startswith("-")


#: A list item's dash followed by a tab (``-\tid: b``): libyaml says only "cannot start any token".
_TAB_AFTER_DASH = re.compile(r"[ ]*-\t")


def _line(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line] if 0 <= line < len(lines) else ""


def _tab_indented(text: str, line: int) -> bool:
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return False
    indent = lines[line][:len(lines[line]) - len(lines[line].lstrip(" \t"))]
    return "\t" in indent


#: Unquoted words YAML (1.1, PyYAML's) reads as true or false.
_BOOL_WORDS = ("yes", "no", "on", "off", "true", "false", "y", "n")


def quoting_hint(kind: str, value: object, unit: str = "") -> str:
    """A hint for a parameter value of the wrong kind that quoting (or not quoting) makes right, else ''.

    ``slot: off`` arrives as False and ``label: 1.10`` as 1.1: "must be str, got bool False" named a value the
    file does not show. The other way, ``gain: "0.5"`` is text, not a number, and so is one with its unit after it
    (``top_db: 60dB``): ``unit``, the parameter's, is the one to write it in."""
    if kind in ("str", "choice", "path") and isinstance(value, bool):
        return "YAML reads yes, no, on, off, true and false unquoted as true or false: put the text in quotes"
    if kind in ("str", "choice", "path") and isinstance(value, int | float):
        return "YAML reads digits unquoted as a number, 1.10 as 1.1: put the text in quotes"
    if kind in ("int", "float") and isinstance(value, str) and _number(value):
        if _yaml_number(value):
            return "a number in quotes is text: write it without the quotes"
        return _unread_number_hint(kind, value)  # unquoted, and still text: `1e5` is no number in YAML 1.1
    written = _WITH_UNIT.fullmatch(value) if kind in ("int", "float") and isinstance(value, str) else None
    if written:  # `tempo: 112 bpm`, `top_db: 60dB`
        return _unit_hint(kind, written, unit)
    if kind == "float" and isinstance(value, str) and _number(value.replace(",", ".", 1)):
        return f"a number is written with a decimal point: {value.replace(',', '.', 1)}"
    if kind == "bool" and isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        return "in quotes it is text: write true or false without the quotes"
    return ""


#: A number with its unit written after it (``60dB``, ``112 bpm``, ``300 ms``): text to YAML.
_WITH_UNIT = re.compile(r"\s*(?P<number>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]+)\s*")


def _unit_hint(kind: str, written: re.Match[str], unit: str) -> str:
    """How to write a number with a unit after it as the number alone, in the parameter's ``unit`` (milliseconds
    turned into the seconds a parameter in s takes)."""
    number, said = float(written["number"]), written["unit"].lower()
    if said == "ms" and unit == "s":
        number /= 1000
    elif said == "s" and unit == "ms":
        number *= 1000
    elif unit and not (said.startswith(unit.lower()) or unit.lower().startswith(said)):  # dBFS is dB
        return f"write the number alone, in {unit}, not {written['unit']}"
    shown = str(int(number)) if kind == "int" or number.is_integer() else f"{number:g}"
    return f"write the number alone{f', in {unit}' if unit else ''}: {shown}"


def _yaml_number(text: str) -> bool:
    """Whether YAML reads ``text``, unquoted, as a number."""
    try:
        read = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(read, int | float) and not isinstance(read, bool)


def _unread_number_hint(kind: str, text: str) -> str:
    """How to write a number YAML (1.1, PyYAML's) reads as text: an exponent needs a dot and a sign (``1.0e+5``,
    not ``1e5``), infinity is ``.inf``."""
    value = float(text)
    if kind == "int" and value.is_integer():
        return f"YAML reads {text} as text, not a number: write {int(value)}"
    mantissa, e, exponent = text.lower().partition("e")
    if e and math.isfinite(value):
        mantissa += "" if "." in mantissa else ".0"
        written = f"{mantissa}e{exponent if exponent[:1] in '+-' else '+' + exponent}"
        if _yaml_number(written):
            return f"YAML reads {text} as text, not a number: write {written}"
    if not math.isfinite(value) and not e:
        return "YAML writes infinity .inf (or -.inf) and not-a-number .nan"
    return f"YAML reads {text} as text, not a number: write it with digits and a decimal point"


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
