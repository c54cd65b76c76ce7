"""A YAML syntax error as a located :class:`~exsampling_patch.errors.Problem`, at the line to fix.

PyYAML marks where it stopped reading (``problem_mark``) and where the construct it was reading began
(``context_mark``). For a quote or a bracket that is never closed it stops far below, often past the last
line ("found unexpected end of stream" on line 12 of an 11-line file): the line to fix is where it opened.
"""

from __future__ import annotations

import yaml

from exsampling_patch.errors import Problem

#: Contexts of constructs that run on until they are closed: their start is where the mistake is.
_UNCLOSED = ("while scanning a quoted scalar", "while parsing a flow mapping", "while parsing a flow sequence")


def syntax_problem(error: yaml.MarkedYAMLError, file: str) -> Problem:
    """The problem for ``error`` met while reading ``file``, at the opening of what was left unclosed, else where
    the parser stopped."""
    what = " ".join(x for x in (error.context, error.problem) if x)
    start, stop = error.context_mark, error.problem_mark
    if start is not None and stop is not None and error.context in _UNCLOSED and start.line < stop.line:
        return Problem(f"YAML syntax error: {what}", file, start.line + 1, start.column + 1,
                       hint=f"the quote or bracket that opens here is not closed: the parser stopped at line "
                            f"{stop.line + 1}, column {stop.column + 1}")
    mark = stop or start
    return Problem(f"YAML syntax error: {what}", file, mark.line + 1 if mark else None,
                   mark.column + 1 if mark else None, hint="check the indentation and quoting on this line")
