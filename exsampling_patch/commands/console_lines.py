"""Lines for a person on the console of ``exsampling run`` that a failing console cannot end the run with.

A print to a console that cannot take it raised: stderr on a full disk or a pipe whose reader went away (Python's
own stderr, with ``--log -``), or a console stream a caller gave that is closed or cannot encode a character. On the
main thread that ended the show with exit status 1 (at "running ..."); in an event observer the line was lost
without a word (the engine logged the traceback only). Every console line of the run goes through
:meth:`ConsoleLines.say`: a line the console refuses goes to the log instead, and the console says once why where it
still can (a stream that refuses one character takes the notice), else the log does. The show goes on either way.

Under ``--log FILE`` the console's ``sys.stderr`` already falls back to that file and never raises
(:class:`.library_log.TerminalOrLog`). With ``--log -`` the log is the console itself: a dead console's lines and
notice are lost with it, but the show goes on.

Without a console at all (``sys.stderr`` None: pythonw, a detached process) the lines go to the log: ``print`` to
None writes on stdout, which mixed them into what a caller parses there (``--json``, the summary line).
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import TextIO

log = logging.getLogger("exsampling.console")


class ConsoleLines:
    """Writes lines on ``stream`` (None: ``sys.stderr`` at each line, which the run replaces for its ``--log``).
    ``goes_on``: what the notice of a refused line says carries on, in the words of the command it serves (the run's
    show; the editor has none)."""

    def __init__(self, stream: TextIO | None = None, goes_on: str = "the show goes on") -> None:
        self.stream = stream
        self.goes_on = goes_on
        self.why = ""  # the last failure's, for a caller that names it (the QR code's warning)
        self._told = False  # the notice is said once per console (under _lock)
        self._lock = threading.Lock()  # only the notice's flag: the lines themselves are not held up here

    def say(self, text: str, logged: bool = True) -> bool:
        """Print ``text`` and a newline, flushed; whether the console took it. A line it did not take is logged, unless
        not ``logged`` (a drawing, the QR code: its caller logs what stands for it)."""
        console = self._console()
        if console is None:
            self.why = why = "no console: sys.stderr is None"
        else:
            try:
                print(text, file=console, flush=True)
                return True
            except (OSError, ValueError) as error:  # ValueError: a closed stream, and UnicodeEncodeError among them
                self.why = why = f"{type(error).__name__}: {error}"
        self._lost(text if logged else "", why)
        return False

    def _console(self) -> TextIO | None:
        """The stream to write on; None where there is none (never stdout, which ``print`` takes for None)."""
        return self.stream or sys.stderr

    def _lost(self, text: str, why: str) -> None:
        """The notice, once; ``text`` (unless empty) in the log."""
        with self._lock:
            first, self._told = not self._told, True
        if first:
            notice = (f"warning: console lines could not be written ({why}): each such line goes to the log "
                      f"instead; {self.goes_on}")
            if not self._told_on_console(notice):
                log.warning("%s", notice)
        if text:
            log.warning("not on the console: %s", text)

    def _told_on_console(self, notice: str) -> bool:
        """Whether the console took ``notice``: it may where it refused a line (a character it cannot encode)."""
        console = self._console()
        if console is None:
            return False
        try:
            print(notice, file=console, flush=True)
            return True
        except (OSError, ValueError):
            return False
