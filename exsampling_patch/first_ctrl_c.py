"""Ctrl+C held over the ``exsampling`` command's first imports: those of :mod:`exsampling_patch.cli` itself, made
before :func:`~exsampling_patch.cli.main` is entered and can catch anything.

A performer pressing Ctrl+C at once (the wrong patch typed) got a screenful of traceback ending in KeyboardInterrupt
from argparse's or logging's import, where one a moment later ends with the one line and 130. The cli module imports
this one first: :data:`HOLD` notes a Ctrl+C instead of raising it until the module's own imports are done, and
``main`` then stops as for any other Ctrl+C before start-up ended.

Only Python's own default handler is replaced: a SIGINT ignored by whoever started us (a shell's background job)
stays ignored, and a test's process importing the cli gets its handler back the moment the import ends.

Held only for the command's own start (:func:`console_start`): a program importing the cli as a library had a Ctrl+C
during the import swallowed, and the flag left set made each later ``main()`` return 130 at once; a press held there
is now raised as the import ends (:meth:`CtrlCHold.end`), as Python would have. The cli ends the hold in a ``finally``:
an import failing part-way left this handler in place, and each later Ctrl+C of that process was noted, never raised.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

#: What ``python -m`` names as ``__main__`` when it runs the command: the package, or the cli module itself.
_COMMAND_MODULES = ("exsampling_patch.__main__", "exsampling_patch.cli")


def console_start() -> bool:
    """Whether this process is the ``exsampling`` command's own start: its ``__main__`` the console script pip made
    (no module spec, named as the command) or ``python -m`` of the package or of the cli; not a program importing the
    cli as a library. ``os`` and ``sys`` only: both loaded before any program's first line."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None:
        return spec.name in _COMMAND_MODULES
    return os.path.basename(getattr(main, "__file__", None) or "") in ("exsampling", "exsampling.exe")


class CtrlCHold:
    """A Ctrl+C noted, not raised, between :meth:`hold` and :meth:`release`."""

    def __init__(self) -> None:
        self.pressed = False
        self._held = False

    def hold(self) -> None:
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, self._note)
                self._held = True
        except ValueError:  # not the main thread (the cli imported from a test's thread): nothing to hold
            pass

    def _note(self, _signum: int, _frame: FrameType | None) -> None:
        self.pressed = True  # a flag only: the imports go on, and main() stops at its start

    def release(self) -> bool:
        """Python's default handler again (unless someone put another in place meanwhile); whether a Ctrl+C came."""
        if self._held and signal.getsignal(signal.SIGINT) == self._note:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        self._held = False
        return self.pressed

    def end(self) -> bool:
        """:meth:`release`, once the cli's imports are done or failed: whether a Ctrl+C came, for the command's own
        start, whose ``main`` stops on it next. In any other process it is raised here, as it would have been in the
        import (KeyboardInterrupt): a library's caller handles its Ctrl+C, and no flag stays set for its ``main()``."""
        pressed, self.pressed = self.release(), False
        if pressed and not console_start():
            raise KeyboardInterrupt
        return pressed


#: The one hold, begun as the cli imports this module.
HOLD = CtrlCHold()
HOLD.hold()
