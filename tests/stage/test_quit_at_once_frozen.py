"""A second signal quits at once, saying so on the terminal: on a full terminal (frozen by Ctrl+S, nobody reading) the
handler's blocking write held it there for good, the process never reaching os._exit. A real pseudo-terminal, filled;
real signals, in a process of its own."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
from pathlib import Path

SECOND_SIGNAL = r'''
import os, signal, sys, time
from exsampling_patch.commands.run_signals import StopSignals
os.dup2(int(sys.argv[1]), 2)
if sys.argv[2] == "full":
    os.set_blocking(2, False)
    try:
        while True:
            os.write(2, b"x" * 1024)  # nobody reads the terminal: it fills
    except BlockingIOError:
        pass
    os.set_blocking(2, True)
signals = StopSignals()
signals.install()
os.kill(os.getpid(), signal.SIGINT)  # the first: the stop begins
os.kill(os.getpid(), signal.SIGTERM)  # a second: quit at once
time.sleep(120)
'''


def second_signal_on_a_terminal(how: str) -> tuple[int, int]:
    """The exit status of a process given two signals, its stderr a pseudo-terminal (``how``: "full" or "empty"), and
    the terminal's master end."""
    master, slave = pty.openpty()
    child = subprocess.Popen([sys.executable, "-c", SECOND_SIGNAL, str(slave), how], pass_fds=(slave,),
                             cwd=Path(__file__).parents[2])
    os.close(slave)
    try:
        return child.wait(60), master  # it sleeps 120 s unless the signal ends it
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_a_second_signal_quits_at_once_on_a_full_terminal() -> None:
    code, master = second_signal_on_a_terminal("full")
    os.close(master)
    assert code == 128 + signal.SIGTERM


def test_a_second_signal_says_it_quits_on_a_terminal_with_room() -> None:
    code, master = second_signal_on_a_terminal("empty")
    try:
        said = b""
        while select.select([master], [], [], 5)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child's end closed, all read
                break
            if not chunk:
                break
            said += chunk
    finally:
        os.close(master)
    assert code == 128 + signal.SIGTERM
    assert b"quit at once: what was stopping was left as it was" in said, said
