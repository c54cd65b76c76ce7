"""Ctrl+C held over the ``exsampling`` command's first imports: those of :mod:`exsampling_patch.cli` itself, made
before :func:`~exsampling_patch.cli.main` is entered and can catch anything.

A performer pressing Ctrl+C at once (the wrong patch typed) got a screenful of traceback ending in KeyboardInterrupt
from argparse's or logging's import, where one a moment later ends with the one line and 130. The cli module imports
this one first: :data:`HOLD` notes a Ctrl+C instead of raising it until the module's own imports are done, and
``main`` then stops as for any other Ctrl+C before start-up ended.

Only Python's own default handler is replaced: a SIGINT ignored by whoever started us (a shell's background job)
stays ignored, and a test's process importing the cli gets its handler back the moment the import ends.
"""

from __future__ import annotations

import signal
from types import FrameType


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


#: The one hold, begun as the cli imports this module.
HOLD = CtrlCHold()
HOLD.hold()
