"""The console's terminal full for a moment (a non-blocking descriptor: EAGAIN) is not a terminal gone: that line goes
to the log, and the next one to the terminal again. Taken for gone, every later console line went to run.log though
the reader drained the terminal a moment later. A real pipe stands for the terminal."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from exsampling_patch.commands.library_log import TerminalOrLog


def drained(fd: int) -> bytes:
    """What is in the pipe's read end ``fd`` now, read without waiting."""
    got = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 65536):
            got += chunk
    return got


def test_a_terminal_full_for_now_loses_that_line_to_the_log_and_takes_the_next(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    with contextlib.suppress(BlockingIOError):
        while True:
            os.write(write, b"x" * 4096)  # full: nobody read it yet
    log = tmp_path / "run.log"
    terminal = TerminalOrLog(write, log)
    try:
        assert terminal.write(b"line 1\n") == len(b"line 1\n")  # EAGAIN
        assert drained(read).strip(b"x") == b""  # the reader catches up
        terminal.write(b"line 2\n")
        assert drained(read) == b"line 2\n"  # on the terminal: not taken for gone
        told = log.read_text()
        assert "line 1" in told and "line 2" not in told and "gone" not in told, told
        assert terminal.fileno() == write
    finally:
        os.close(read)
        with contextlib.suppress(OSError):
            os.close(write)
