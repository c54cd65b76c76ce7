"""One signal delivered twice is one stop: `timeout -s INT 5 exsampling run` sends its SIGINT to the run, then to the
run's process group. Where the run's handler ran between the two (a loaded machine: 1 run in 8), the second was taken
for the performer's second Ctrl+C and the run quit at once, with no summary."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.stage.helpers import Run

IDLE_NODE = '''
from exsampling_patch import TAKE, Input, Node


class Idle(Node):
    """Takes nothing, stops at once."""

    type_name = "idle"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        pass
'''


def idle_run(tmp_path: Path) -> Run:
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    (nodes / "idle.py").write_text(IDLE_NODE, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"exsampling_patch: 1\nnode_dirs: [{nodes}]\nnodes:\n- {{id: idle, type: idle}}\nlinks: []\n",
                     encoding="utf-8")
    return Run(str(patch), "--show-log", "none", "--log", str(tmp_path / "run.log"))


def test_a_sigint_sent_to_the_run_and_then_its_group_stops_it_cleanly(tmp_path: Path) -> None:
    run = idle_run(tmp_path)
    try:
        run.wait_for("Ctrl+C stops")
        run.process.send_signal(signal.SIGINT)  # timeout's first send: to the run
        # its handler has run (the line says so) before timeout's second send, to the group, comes
        run.wait_for("Ctrl+C again to quit at once", timeout=20.0)
        os.killpg(run.process.pid, signal.SIGINT)
        try:
            code = run.wait(30.0)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the run did not stop:\n{run.output()}") from None
    finally:
        if run.process.poll() is None:
            run.kill()
    output = run.output()
    assert code == 130, output
    assert "stopped after" in output and "quit at once" not in output.replace("Ctrl+C again to quit at once", ""), \
        output
