"""What a plugin that failed to load likely meant, for the registry's warning: Python 3.11 says only "cannot
import name 'TAEK'" or "got an unexpected keyword argument 'min'", leaving the name meant to be found by eye; and
what an entry point named, in words (not "<function helper at 0x7f...>").
"""

from __future__ import annotations

import builtins
import difflib
import inspect
import re
import sys


def name_meant(error: BaseException) -> str:
    """'; did you mean 'TAKE'?' for an ``ImportError`` of a name its module lacks (``from exsampling_patch import
    TAEK``), a name not defined (``Input(TAEK)``; ``TAKE`` not imported) or a keyword that a declaration of the node
    API does not take (``Param(float, 0.0, "", min=0)``); else '': Python 3.11 says only "cannot import name", "name
    'TAEK' is not defined" or "got an unexpected keyword argument" (its "Did you mean" is in tracebacks alone)."""
    text = str(error)
    if "did you mean" in text.lower():  # a later Python's own hint
        return ""
    if isinstance(error, ImportError):
        wanted = re.match(r"cannot import name '(\w+)'", text)
        module = sys.modules.get(error.name or "")
        names = [name for name in vars(module) if not name.startswith("_")] if module is not None else []
        close = difflib.get_close_matches(wanted[1], names, n=1) if wanted else []
        return f"; did you mean '{close[0]}'?" if close else ""
    if isinstance(error, NameError) and error.name:
        return _name_undefined(error, error.name)
    wanted = re.match(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'", text)
    declares = getattr(sys.modules["exsampling_patch"], wanted[1], None) if isinstance(error, TypeError) and wanted \
        else None
    if not (wanted and inspect.isclass(declares) and declares.__module__.startswith("exsampling_patch.")):
        return ""
    names = [name for name in inspect.signature(declares).parameters if name != "self"]
    close = difflib.get_close_matches(wanted[2], names, n=1)
    return f"; did you mean '{close[0]}'?" if close else f" (it takes {', '.join(names)})"


def _name_undefined(error: NameError, name: str) -> str:
    """The import a name of the node API needs (``Input(TAKE)`` with ``TAKE`` not imported), or the name of the
    plugin's code closest to it, from where it was looked up."""
    package = vars(sys.modules["exsampling_patch"])
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    scope = frame.tb_frame if frame is not None else None  # the class body or function the name was looked up in
    known = {**vars(builtins), **(scope.f_globals if scope else {}), **(scope.f_locals if scope else {})}
    if name in package and not name.startswith("_") and name not in known:
        return f" (import it: from exsampling_patch import {name})"
    close = difflib.get_close_matches(name, [n for n in known if not n.startswith("_")], n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def described(value: object) -> str:
    """``value`` as a plugin's author names it: "the class mypkg.Helper", "the function mypkg.helper", "the str
    'gain'" (a repr's "<class 'mypkg.Helper'>" or "<function helper at 0x7f...>" read as Python's, not the plugin's)."""
    kind = "class" if inspect.isclass(value) else "function" if inspect.isroutine(value) else ""
    if kind:
        return f"the {kind} {getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', value)}"
    text = repr(value)
    return f"the {type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"
