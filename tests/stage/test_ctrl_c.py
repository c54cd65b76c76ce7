"""Ctrl+C on stage: a terminal sends SIGINT to the whole process group (the run, the classifier's process, the
sampler's audio process). The run stops cleanly: no traceback, nothing restarted, exit 130, within 2 s."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.stage.helpers import Run, default_patch

pytestmark = [pytest.mark.jack, pytest.mark.slow]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            return file.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_default_patch_stops_cleanly_on_a_signal_to_its_group(tmp_path: Path, signum: int, code: int) -> None:
    run = Run(str(default_patch(tmp_path)))
    try:
        run.wait_for("running ExSampling")
        children = run.children()
        assert len(children) >= 2, run.output()  # the classifier's process and the sampler's audio process
        time.sleep(1.0)
        sent = run.signal_group(signum)
        assert run.wait(10.0) == code, run.output()
        took = time.monotonic() - sent
    finally:
        if run.process.poll() is None:
            run.kill()
    output = run.output()
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert "restarting" not in output and "nodes with errors" not in output, output
    assert took < 2.0, f"stopped {took:.2f} s after the signal\n{output}"
    deadline = time.monotonic() + 2.0
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children), "child processes outlived the run"
    assert os.path.isdir(tmp_path / "session" / "takes")
