"""The window scenarios (``*_scenario.py``) each run in a process forked from one that has imported what they
all import.

A process started afresh for each scenario spent 1-2 s of CPU on starting Python and importing Dear PyGui, the
editor and the node types, several seconds of wall time on a loaded 2-core machine, 30 times over. Here one
process imports them once and forks a child for each scenario; the child runs the scenario's ``main()`` and
exits, so each scenario still has a process of its own, with its own Dear PyGui context, viewport, patch copy
and editor (one process cannot hold one viewport after another: Dear PyGui 2.3 crashed at random drawing the
second). ``python -m tests.editor.<name>_scenario`` still runs one on its own.

What a scenario prints (stdout and stderr, Dear PyGui's tracebacks from failing callbacks among them) goes to
files of its own, read by the test as it read a process's output, and its exit status comes back as a
process's would.

The test side is :func:`run_scenario`; the forking side is :func:`serve` (``python -m
tests.editor.scenario_worker``), which reads one request a line on stdin and answers one line once the
scenario's process has ended.
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import importlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300  # a scenario's limit, as each process had
NO_DISPLAY = "X11: Failed to open display"  # GLFW's words when it cannot connect to the X server


class Forker:
    """The process that forks one for each scenario, started on the first request (in a session of its own, so
    that a scenario that hangs goes with it)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="exsampling-scenarios-"))
        self.startup = self.folder / "startup.txt"
        with self.startup.open("w") as startup:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.editor.scenario_worker"], cwd=REPO, env={**os.environ},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=startup, text=True, start_new_session=True)
        self.count = 0

    def run(self, module: str, args: list[str]) -> tuple[int, str, str, Any]:
        """Run ``module``'s ``main(*args)`` in a process of its own: (its exit status, what it printed on stdout
        and on stderr, what it returned)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.count += 1
        out, err, returned = (self.folder / f"{self.count}.{name}" for name in ("out", "err", "json"))
        request = {"module": module, "args": args, "stdout": str(out), "stderr": str(err), "result": str(returned)}
        reply: dict[str, Any] | None = None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT_S)
            line = self.process.stdout.readline() if ready else ""
            reply = json.loads(line) if line else None
        except BrokenPipeError:
            pass
        printed = [path.read_text(errors="replace") if path.exists() else "" for path in (out, err)]
        if reply is None:  # it hung, or the forking process itself died: what that one said goes with it
            printed[1] += f"\nno answer in {TIMEOUT_S} s\n" + self.startup.read_text(errors="replace")
            self.close()
            return (-9, printed[0], printed[1], None)
        result = json.loads(returned.read_text()) if returned.exists() else None
        return (int(reply["rc"]), printed[0], printed[1], result)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """End the forking process, and with it any scenario still running."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_forker: Forker | None = None


def _close_forker() -> None:
    if _forker is not None:
        _forker.close()


atexit.register(_close_forker)


def run_scenario(module: str, *args: str) -> dict[str, Any]:
    """The JSON object ``module``'s ``main(*args)`` returns, run in a process of its own; any traceback or error
    it printed fails the test: Dear PyGui prints a failing callback's traceback and goes on, so a broken handler
    shows nowhere else."""
    global _forker
    for _ in range(3):
        if _forker is None or not _forker.alive():
            _forker = Forker()
        rc, stdout, stderr, result = _forker.run(module, list(args))
        if rc == 0 or NO_DISPLAY not in stderr:
            break
        # On this machine a connection to the X server is now and then refused at once (EAGAIN; 3-12% of tries
        # in a loop, whichever program makes them): GLFW could not open the window, no event was sent yet.
    printed = stdout + stderr
    assert rc == 0, printed[-3000:]
    assert "Traceback" not in printed and "Error" not in stderr, printed[-3000:]
    assert isinstance(result, dict), result
    return result


def _redirect(path: str, fd: int) -> None:
    with open(path, "w") as target:
        os.dup2(target.fileno(), fd)


def _run_child(request: dict[str, Any]) -> None:
    """In the forked process: run the scenario, its output to its files and what it returned to the result file,
    and exit as a process of its own would, with 0, or 1 after a traceback."""
    _redirect(request["stdout"], 1)
    _redirect(request["stderr"], 2)
    rc = 1
    try:
        result = importlib.import_module(request["module"]).main(*request["args"])
        Path(request["result"]).write_text(json.dumps(result))
        rc = 0
    except BaseException:  # the scenario's failure, reported as its own process would report it
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(rc)  # the interpreter's own exit: non-daemon threads joined, as in a process of its own


def serve(requests: IO[str], replies: IO[str]) -> None:
    """Run each scenario asked for on ``requests`` (one JSON line each) in a process forked for it, and answer on
    ``replies`` with its exit status once it has ended."""
    for line in requests:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        child = os.fork()
        if child == 0:
            _run_child(request)
        _, status = os.waitpid(child, 0)
        replies.write(json.dumps({"rc": os.waitstatus_to_exitcode(status)}) + "\n")
        replies.flush()


def main() -> None:
    # The replies keep the pipe the test reads; each scenario's fd 1 goes to a file of its own.
    replies = os.fdopen(os.dup(1), "w")
    faulthandler.enable()  # a crash's stack goes to fd 2: the scenario's own stderr
    # What every scenario imports, imported once before the forks: Dear PyGui (no context is made here: each
    # scenario makes its own, in its own process), the editor, and the node types.
    import dearpygui.dearpygui  # noqa: F401

    import exsampling_patch.editor.app  # noqa: F401
    import tests.editor.driving  # noqa: F401
    from exsampling_patch.registry import Registry

    Registry.default()
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
