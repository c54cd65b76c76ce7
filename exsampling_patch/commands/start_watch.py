"""Which node is still starting, for ``exsampling run``'s console; which node plugin is still being imported, for
``run``, ``nodes``, ``check`` and ``edit`` alike.

Start-up prints nothing of its own until every node has started: a node whose ``start()`` hangs (a device that
never answers, a model on a network drive gone away) left the terminal blank for as long as it hung, with nothing
to say which node to look at. :class:`StartWatch` names it after a few seconds, and again if it goes on; its
constructor and its ``prepare()`` alike (a model loaded there hangs as well), and a ``stop()`` that hangs when the
run ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from exsampling_patch.commands.console_lines import ConsoleLines

#: Seconds into one node's start() at which the console names it: a first notice while a performer still waits
#: patiently, another when it is clearly stuck.
NOTICES = (5.0, 30.0)
#: Seconds between further notices after the last of :data:`NOTICES`: a run left hanging says it now and then.
REMIND_EVERY = 120.0


class StartWatch:
    """Fed the node whose start() runs now (None between nodes) and the time, says when to name it.

    ``type_of`` gives a node id's type name, for the line. Times are the caller's (``time.monotonic()``), so
    that the notices can be tested without waiting for them.
    """

    def __init__(self, type_of: Callable[[str], str], first_notice: float = NOTICES[0],
                 where_of: Callable[[str], str] | None = None) -> None:
        """``first_notice``: seconds before the first notice (``exsampling run --start-notice``); the later ones of
        :data:`NOTICES` stay, those not after it left out. ``where_of`` gives where a node's own code is now
        (``FILE:LINE in FUNCTION``, '' where not known: a built-in's), for the line."""
        self.type_of = type_of
        self.where_of = where_of
        self._notices = (first_notice, *(when for when in NOTICES[1:] if when > first_notice))
        self._node: str | None = None
        self._call = "start"
        self._since = 0.0
        self._told = 0  # notices given for this node's start

    def check(self, starting: str | None, now: float, call: str = "start") -> str | None:
        """The line to print now, or None. ``call``: the method of ``starting`` running (``__init__``, ``prepare``,
        ``start``: :attr:`Engine.starting_call <exsampling_patch.runtime.engine.Engine.starting_call>`)."""
        if (starting, call) != (self._node, self._call):
            self._node, self._call, self._since, self._told = starting, call, now, 0
        if starting is None:
            return None
        waited = now - self._since
        if waited < self._due():
            return None
        self._told += 1
        kind = self.type_of(starting)
        doing = {"__init__": "being built", "stop": "stopping"}.get(call, "starting")
        where = self.where_of(starting) if self.where_of is not None else ""
        ctrl_c = "quits at once" if call == "stop" else "stops the run"
        return (f"node '{starting}'{f' ({kind})' if kind else ''} is still {doing}, {waited:.0f} s in: its "
                f"{call}() has not returned{f', at {where}' if where else ''} (Ctrl+C {ctrl_c})")

    def _due(self) -> float:
        if self._told < len(self._notices):
            return self._notices[self._told]
        return self._notices[-1] + REMIND_EVERY * (self._told - len(self._notices) + 1)


def watch_imports(done: threading.Event, importing: Callable[[], str | None], first_notice: float,
                  say: Callable[[str], None], ctrl_c: str = "stops the run") -> None:
    """Name the node plugin whose import has not returned (``importing``: its file or entry point, None between
    them) at the times a node's start is named, until ``done``: a plugin that waits for a device or a network as
    it is imported left the terminal blank before a single line, with nothing to say which file to look at.
    ``ctrl_c``: what Ctrl+C does meanwhile, for the line."""
    notices = (first_notice, *(when for when in NOTICES[1:] if when > first_notice))
    current: str | None = None
    since, told = 0.0, 0
    while not done.wait(0.05):
        now, name = time.monotonic(), importing()
        if name != current:
            current, since, told = name, now, 0
        if name is None:
            continue
        due = notices[told] if told < len(notices) else notices[-1] + REMIND_EVERY * (told - len(notices) + 1)
        if now - since >= due:
            told += 1
            say(f"{time.strftime('%H:%M:%S')} node plugin {name} is still being imported, {now - since:.0f} s in: "
                f"its module's code has not returned (Ctrl+C {ctrl_c})")


@contextmanager
def import_notices(ctrl_c: str, first_notice: float = NOTICES[0], *, lines: ConsoleLines) -> Iterator[None]:
    """Within it, a node plugin whose import has not returned is named on stderr as ``exsampling run`` names it
    (:func:`watch_imports`): ``nodes``, ``check`` and ``edit`` waited on one in silence. ``ctrl_c``: what Ctrl+C
    does meanwhile ("stops the check"); ``lines``: the command's console lines, in its words (what goes on where
    the console refuses a line). Required: a console made here said "the show goes on" for check and nodes."""
    from exsampling_patch.registry import IMPORTING  # edit's own imports wait until it is past its display checks

    done = threading.Event()
    threading.Thread(target=watch_imports, name="exsampling-import-watch", daemon=True, args=(
        done, lambda: next(iter(IMPORTING[-1:]), None), first_notice,  # popped meanwhile: no IndexError
        lines.say, ctrl_c)).start()  # guarded: a console refusing a notice ended this thread
    try:
        yield
    finally:
        done.set()
