"""Problems as the editor tells them.

The checks (``validate.py``, ``patchfile.py``) word their hints for the patch file and the command line:
``exsampling check`` prints ``FILE:LINE: problem (hint)``, and a hint says what to write where in the file
("add 'folder: ...' under params") or which command lists what. Inside the editor there is no file line to go
to: a value is set in the inspector and the node types are in the palette. Plain Python (no widgets).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from exsampling_patch.errors import Problem

#: ``validate.check_patch``'s hint for a required parameter that is missing.
_ADD_UNDER_PARAMS = re.compile(r"add '[^']+: \.\.\.' under params \((?P<doc>.*)\)", re.DOTALL)
#: The command line's list of node types (``registry.unknown_hint``, ``patchfile``'s node without a type).
_NODES_COMMAND = "`.venv/bin/exsampling nodes` lists the"


def editor_hint(hint: str) -> str:
    """``hint`` in the editor's terms: the inspector instead of the file's params, the palette instead of the
    ``exsampling nodes`` command; any other hint as it is."""
    added = _ADD_UNDER_PARAMS.fullmatch(hint)
    if added:
        return f"set it in the inspector: {added['doc']}"
    return hint.replace(_NODES_COMMAND, "the palette lists the")


def problem_text(problem: Problem) -> str:
    """A problem's message with its hint in the editor's terms, without the ``FILE:LINE:`` that ``str(problem)``
    puts first for the command line."""
    hint = editor_hint(problem.hint)
    return f"{problem.message} ({hint})" if hint else problem.message


def problems_text(problems: Iterable[Problem]) -> str:
    """Several problems on one line (the status bar)."""
    return "; ".join(problem_text(p) for p in problems)
