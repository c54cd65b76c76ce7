"""`exsampling run`'s exit status and `--for`: scripts and a show's operator rely on both."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest

from tests.stage.helpers import Run, free_port

PLUGINS = Path(__file__).resolve().parents[1] / "core" / "plugins"


def folder_patch(tmp_path: Path, extra: str = "") -> Path:
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
node_dirs: [{PLUGINS}]
nodes:
- id: inbox
  type: folder_source
  params: {{folder: inbox, poll_interval: 0.05}}
- id: writer
  type: take_writer
  params: {{folder: library}}
{extra}links:
- {{from: inbox.take, to: writer.take}}
""", encoding="utf-8")
    return patch


def recorder(port: int) -> str:
    return f"""- id: phones
  type: web_recorder
  params: {{port: {port}, https: false, print_qr: false, folder: takes, state_folder: state}}
"""


def test_a_node_that_never_started_makes_the_exit_status_non_zero(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        run = Run(str(folder_patch(tmp_path, recorder(busy.getsockname()[1]))), "--for", "0.2")
        code = run.wait(60)
    assert code == 3, run.output()
    assert re.search(r"node 'phones' never started: .*in use", run.output()), run.output()


def test_a_run_whose_nodes_all_started_exits_0(tmp_path: Path) -> None:
    run = Run(str(folder_patch(tmp_path, recorder(free_port()))), "--for", "0.2")
    assert run.wait(60) == 0, run.output()
    assert "never started" not in run.output()


@pytest.mark.parametrize("seconds", [1.0, 2.0])
def test_for_counts_from_when_the_patch_is_running(tmp_path: Path, seconds: float) -> None:
    run = Run(str(folder_patch(tmp_path)), "--for", str(seconds))
    running = run.wait_for("running")
    assert run.wait(60) == 0, run.output()
    ended = time.monotonic()
    assert seconds <= ended - running < seconds + 0.5, f"ended {ended - running:.2f} s after running\n{run.output()}"
    assert f"stopped after {seconds:.1f} s running" in run.output()
