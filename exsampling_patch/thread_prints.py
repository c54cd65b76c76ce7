"""One thread's prints sent to stderr for a while (:func:`prints_to_stderr`), every other thread's left where they go.

``contextlib.redirect_stdout`` swaps ``sys.stdout`` for the whole process: while a plugin folder loaded in the editor
(or in any process with threads of its own running), another thread's print went to stderr too. Here ``sys.stdout``
is, for that time, a stand-in that sends each write by the thread that writes it."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO, cast

_lock = threading.Lock()


class _ByThread:
    """``sys.stdout`` while threads of :attr:`threads` (ident -> blocks entered) print to stderr: their writes go to
    ``sys.stderr`` as it is then, any other thread's to :attr:`out`, the stdout it stands in for. What it does not
    define (``fileno``, ``encoding``, ``isatty``...) is :attr:`out`'s."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.threads: dict[int, int] = {}

    def _target(self) -> TextIO:
        return sys.stderr if threading.get_ident() in self.threads else self.out

    def write(self, text: str) -> int:
        return self._target().write(text)

    def writelines(self, lines: Any) -> None:
        self._target().writelines(lines)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


@contextlib.contextmanager
def prints_to_stderr() -> Iterator[None]:
    """What this thread writes to ``sys.stdout`` goes to ``sys.stderr`` for the time of the block; other threads'
    prints go on to stdout. ``sys.stdout`` is what it was once no thread is in such a block (unless it was set to
    something else meanwhile: that is kept)."""
    me = threading.get_ident()
    with _lock:
        router = sys.stdout if isinstance(sys.stdout, _ByThread) else _ByThread(sys.stdout)
        sys.stdout = cast(TextIO, router)
        router.threads[me] = router.threads.get(me, 0) + 1
    try:
        yield
    finally:
        with _lock:
            router.threads[me] -= 1
            if not router.threads[me]:
                del router.threads[me]
            if not router.threads and sys.stdout is cast(TextIO, router):
                sys.stdout = router.out
