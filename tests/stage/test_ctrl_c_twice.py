"""A second Ctrl+C ends a run whose stop hangs (a plugin's stop() waiting on a device gone away): before, the
performer saw nothing after the first Ctrl+C, and the second did nothing; the run ended when the node let go."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stage.helpers import Run, one_node_run

STUCK_NODE = '''
import threading

from exsampling_patch import TAKE, Input, Node


class StuckStop(Node):
    """Its stop() hangs for a minute."""

    type_name = "stuck_stop"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        pass

    def stop(self):
        threading.Event().wait(60.0)
        super().stop()
'''

def stuck_run(tmp_path: Path, *args: str) -> Run:
    """``exsampling run`` of a patch of one node whose stop() hangs (its plugin in ``tmp_path/nodes``)."""
    return one_node_run(tmp_path, STUCK_NODE, "stuck", "stuck_stop", *args)


#: Each test's run: its own arguments to ``exsampling run``.
RUNS = {"ctrl_c": (), "notice": ("--for", "0.2", "--start-notice", "1"), "sigterm": ()}


@pytest.fixture(scope="module")
def stuck(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Run, Path]]]:
    """Each test's run (:data:`RUNS`) and its folder, all started at once: a run spends most of its time starting
    (imports, on a loaded machine seconds) and in the run's own waits (SAME_SIGNAL_SECONDS, --start-notice), which
    overlap so instead of adding up (12 s of the file's 31 s on a loaded machine). Each test signals its own."""
    runs = {}
    for name, args in RUNS.items():
        folder = tmp_path_factory.mktemp(name)
        runs[name] = (stuck_run(folder, *args), folder)
    yield runs
    for run, _ in runs.values():
        if run.process.poll() is None:
            run.kill()


def ended_by(run: Run, sent: signal.Signals, what: str) -> int:
    """Send ``sent`` to the run and return its exit status; ``what`` (the signal as the failure tells it) did not
    end it within 10 s: fail."""
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        # Sent again until it ends the run: a repeat of the first signal within SAME_SIGNAL_SECONDS is that signal
        # delivered twice (`timeout`'s), not the performer's second
        run.process.send_signal(sent)
        with contextlib.suppress(subprocess.TimeoutExpired):
            run.process.wait(0.25)
            return run.wait()  # its output read to the end
    run.kill()
    raise AssertionError(f"{what} did not end the run:\n{run.output()}")


def test_a_second_ctrl_c_ends_a_run_whose_stop_hangs(stuck: dict[str, tuple[Run, Path]]) -> None:
    run, _ = stuck["ctrl_c"]
    try:
        run.wait_for("running")
        run.process.send_signal(signal.SIGINT)
        run.wait_for("Ctrl+C again to quit at once", timeout=20.0)  # the performer learns the run is stopping
        code = ended_by(run, signal.SIGINT, "a second Ctrl+C")
    finally:
        if run.process.poll() is None:
            run.kill()
    assert code == 130, run.output()
    assert "quit at once" in run.output() and "Traceback" not in run.output(), run.output()


def test_a_stop_that_hangs_is_named_and_one_ctrl_c_then_ends_the_run(stuck: dict[str, tuple[Run, Path]]) -> None:
    # Before, `run --for` whose node's stop() hung printed nothing after "running" for as long as it hung, and a
    # Ctrl+C (the first: the stop was no Ctrl+C's) did nothing; `timeout 60 exsampling run` ran for minutes.
    run, tmp_path = stuck["notice"]
    try:
        run.wait_for(f"node 'stuck' (stuck_stop) is still stopping, 1 s in: its stop() has not returned, at "
                     f"{tmp_path / 'nodes' / 'stuck_stop.py'}:17 in stop (Ctrl+C quits at once)", timeout=20.0)
        code = ended_by(run, signal.SIGINT, "Ctrl+C")
    finally:
        if run.process.poll() is None:
            run.kill()
    assert code == 130, run.output()
    assert "quit at once" in run.output() and "Traceback" not in run.output(), run.output()


def test_a_sigterm_stop_says_a_second_sigterm_quits_not_ctrl_c_again(stuck: dict[str, tuple[Run, Path]]) -> None:
    """"Ctrl+C again to quit at once" came after a SIGTERM too (a service manager's stop, `kill`): told what came,
    and the second SIGTERM it names does quit."""
    run, _ = stuck["sigterm"]
    try:
        run.wait_for("running")
        run.process.send_signal(signal.SIGTERM)
        run.wait_for("stopping on SIGTERM (a second SIGTERM, or Ctrl+C, quits at once; the takes stored are passed "
                     "on at the next start)", timeout=20.0)
        code = ended_by(run, signal.SIGTERM, "a second SIGTERM")
    finally:
        if run.process.poll() is None:
            run.kill()
    assert code == 143, run.output()
    assert "Ctrl+C again" not in run.output() and "quit at once:" in run.output(), run.output()
