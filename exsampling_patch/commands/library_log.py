"""Where libraries' own output goes during ``exsampling run`` and ``edit``: the log file (run.log, edit.log).

Native code (libjack, PortAudio, the classifier's torch) writes to file descriptor 2, which every child process
inherits: :func:`library_noise_to` points descriptor 2 at a log file and keeps Python's ``sys.stderr`` on the
terminal, which :class:`TerminalOrLog` leaves for the log once the terminal is gone. Apart from the stage console
(:mod:`.stage`), which prints on that ``sys.stderr``: the two share nothing else.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO


def library_noise_to(path: Path, command: str = "run") -> TextIO:
    """Send what native code writes to descriptor 2 (here and in child processes) to ``path``, appended (under a
    line naming ``exsampling COMMAND``); keep ``sys.stderr`` on the terminal. Returns the new ``sys.stderr``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as log:  # raises before descriptor 2 is touched: the caller may go on without the file
        log.write(f"\n-- exsampling {command}, {time.strftime('%Y-%m-%d %H:%M:%S')}, pid {os.getpid()}\n".encode())
        terminal = os.dup(2)
        os.dup2(log.fileno(), 2)
    # The terminal's encoding, as Python's own stderr had it: UTF-8 to an ASCII terminal (PYTHONIOENCODING=ascii)
    # printed the QR code as junk, and the console could not tell it would (stage.StageConsole._say_with_qr). What it
    # cannot encode is escaped, not replaced: "caf?-?-??.wav" named no file; "caf\xe9-..." names the one it was.
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    stream = io.TextIOWrapper(io.BufferedWriter(TerminalOrLog(terminal, path)), encoding=encoding,
                              errors="backslashreplace", line_buffering=True, write_through=True)
    sys.stderr = stream
    return stream


class TerminalOrLog(io.RawIOBase):
    """The terminal's descriptor ``fd`` for the console, until the terminal is gone (closed, or the ssh session
    dropped: writes fail with EIO): from then on what the console says is appended to ``log``. A write that
    fails must not end the show, nor the stop that the hang-up (SIGHUP) begins. A terminal full for now (EAGAIN) is
    not gone: that line goes to the log alone."""

    def __init__(self, fd: int, log: Path) -> None:
        super().__init__()
        self._fd: int | None = fd
        self._log = log

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        if self._fd is None:
            raise OSError("the terminal is gone")
        return self._fd

    def isatty(self) -> bool:
        return self._fd is not None and os.isatty(self._fd)

    def write(self, data: Any) -> int:
        size = len(data)
        if self._fd is not None:
            try:
                return os.write(self._fd, data)
            except BlockingIOError:
                # EAGAIN: a non-blocking descriptor (its flag shared with whoever set it) momentarily full. Taken for
                # the terminal gone, every later line went to the log though the reader drained it a moment later:
                # this line goes there, the next one tries the terminal again.
                data = b"(not on the console, for now full) " + bytes(data)
            except OSError as error:
                gone, self._fd = self._fd, None
                with contextlib.suppress(OSError):
                    os.close(gone)
                data = f"-- the terminal is gone ({error.strerror}); the console goes on here\n".encode() + bytes(data)
        with contextlib.suppress(OSError), open(self._log, "ab") as log:
            log.write(data)
        return size


def default_log_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "exsampling" / "run.log"
