"""Ctrl+C on stage: a terminal sends SIGINT to the whole process group (the run, the classifier's process, the
sampler's audio process). The run stops cleanly, by itself: no traceback, nothing restarted, no work left
unfinished, its summary printed, exit 130 (143 after SIGTERM), its child processes gone. How soon is for
benchmarks; the waits here only keep a hang from stalling the suite."""

from __future__ import annotations

import http.client
import os
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.stage.helpers import Run, default_patch
from tests.waiting import wait_for

pytestmark = [pytest.mark.jack, pytest.mark.slow]

HANG_SECONDS = 30.0  # a hang's limit, far above any stop


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            return file.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


SIGNALS = [(signal.SIGINT, 130), (signal.SIGTERM, 143)]


def recorder_answers(folder: Path) -> bool:
    """Whether the web recorder of the default patch in ``folder`` (:func:`default_patch`) serves a paired phone its
    page (with the token: a stranger refused is told on the console)."""
    patch = yaml.safe_load((folder / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    port = next(node["params"]["port"] for node in patch["nodes"] if node["id"] == "recorder")
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=5,
                                             context=ssl._create_unverified_context())  # its own certificate
    try:
        token = (folder / "session" / "recorder" / "token").read_text(encoding="utf-8").strip()
        connection.request("GET", f"/?token={token}")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, tuple[Run, Path]]]:
    """A run of the default patch (each in a folder of its own, the recorder on a port of its own) for each of
    :data:`SIGNALS`, both started at once: a run spends seconds starting (its classifier's and its sampler's
    processes), which overlap so instead of adding up. Each test signals its own."""
    started: dict[int, tuple[Run, Path]] = {}
    for signum, _ in SIGNALS:
        folder = tmp_path_factory.mktemp(signal.Signals(signum).name)
        started[signum] = (Run(str(default_patch(folder))), folder)
    yield started
    for run, _ in started.values():
        if run.process.poll() is None:
            run.kill()


@pytest.mark.parametrize("signum, code", SIGNALS)
def test_default_patch_stops_cleanly_on_a_signal_to_its_group(runs: dict[int, tuple[Run, Path]], signum: int,
                                                               code: int) -> None:
    run, tmp_path = runs[signum]
    try:
        run.wait_for("running ExSampling")
        children = run.children()
        assert len(children) >= 2, run.output()  # the classifier's process and the sampler's audio process
        # On stage, as a performer's Ctrl+C finds it: its last node to start, the recorder, answers phones
        assert wait_for(lambda: recorder_answers(tmp_path), HANG_SECONDS), run.output()
        run.signal_group(signum)
        try:
            exited = run.wait(HANG_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {HANG_SECONDS} s after the signal (killed):\n{run.output()}") from None
        assert exited == code, run.output()
    finally:
        if run.process.poll() is None:
            run.kill()
    output = run.output()
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert "restarting" not in output and "nodes with errors" not in output, output
    assert "stopped after" in output and "quit at once:" not in output, output  # its own stop, not quit_at_once
    # Nothing left unfinished: an idle patch's queues are found empty within the run's STOP_SECONDS (0.4 s) with room
    # to spare. Measured with the run and four busy loops on one core, all at nice 19 behind the machine's other
    # work: found empty 0.05 s in at most (the recorder's poll), the workers gone as soon as they were joined.
    assert "(some work did not finish in time)" not in output, output
    deadline = time.monotonic() + HANG_SECONDS
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children), "child processes outlived the run"
    assert os.path.isdir(tmp_path / "session" / "takes")
