"""`exsampling run`'s exit status and `--for`: scripts and a show's operator rely on both."""

from __future__ import annotations

import json
import re
import signal
import socket
import time
from pathlib import Path

import numpy as np
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
        port = busy.getsockname()[1]
        run = Run(str(folder_patch(tmp_path, recorder(port))), "--for", "0.2")
        code = run.wait(60)
    assert code == 3, run.output()
    assert re.search(r"node 'phones' never started: .*in use", run.output()), run.output()
    # In words, the port and what to do: Python's "[Errno 98]" led the line.
    said = [line for line in run.stderr if "is already in use" in line]
    assert said and all(f"TCP port {port} is already in use" in line for line in said), run.output()
    assert all("Errno" not in line and "parameter 'port' to a free port" in line for line in said), run.output()


def test_the_json_summary_names_the_node_that_never_started(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = Run(str(folder_patch(tmp_path, recorder(port))), "--for", "0.2", "--json", "--show-log", "none")
        code = run.wait(60)
    assert code == 3, run.output()
    summary = json.loads(run.stdout[-1])
    assert summary["event"] == "RunStopped" and summary["exit_status"] == 3, summary
    assert list(summary["never_started"]) == ["phones"], summary
    assert f"TCP port {port} is already in use" in summary["never_started"]["phones"], summary
    assert summary["node_errors"] == {"phones": 1}, summary


def test_the_running_line_names_the_nodes_that_did_not_start(tmp_path: Path) -> None:
    """The recorder could not listen (its port taken), yet the run said "running ...: 3 nodes": read as all running,
    while the show had no way in for takes, its error scrolled away above. The line counts the nodes that run."""
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        run = Run(str(folder_patch(tmp_path, recorder(busy.getsockname()[1]))), "--for", "0.2")
        run.wait(60)
    running = [line for line in run.stderr if line.startswith("running ")]
    assert len(running) == 1, run.output()
    assert re.match(r"running \S+: 2 of 3 nodes \(not started: 'phones'\), 1 link, started in ", running[0]), \
        run.output()


def test_a_node_that_could_not_be_built_never_started(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    (nodes / "unbuilt.py").write_text(
        "from exsampling_patch import TAKE, Input, Node\n\n\n"
        "class Unbuilt(Node):\n"
        "    take = Input(TAKE)\n\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        super().__init__(*args, **kwargs)\n"
        "        raise RuntimeError('no licence key')\n\n"
        "    def on_take(self, take):\n"
        "        pass\n", encoding="utf-8")
    extra = "- id: odd\n  type: unbuilt\n"
    run = Run(str(folder_patch(tmp_path, extra)), "--for", "0.2", "--nodes", str(nodes), "--show-log", "none")
    assert run.wait(60) == 3, run.output()
    assert "node 'odd' never started: RuntimeError: no licence key" in run.output(), run.output()


def test_a_run_whose_nodes_all_started_exits_0(tmp_path: Path) -> None:
    run = Run(str(folder_patch(tmp_path, recorder(free_port()))), "--for", "0.2")
    assert run.wait(60) == 0, run.output()
    assert "never started" not in run.output()


@pytest.mark.parametrize("seconds", [0.5, 1.0])
def test_for_counts_from_when_the_patch_is_running(tmp_path: Path, seconds: float) -> None:
    run = Run(str(folder_patch(tmp_path)), "--for", str(seconds))
    running = run.wait_for("running")
    assert run.wait(60) == 0, run.output()
    ended = time.monotonic()
    assert ended - running >= seconds, f"ended {ended - running:.2f} s after running\n{run.output()}"
    assert f"stopped after {seconds:.1f} s running" in run.output()  # by --for, not later: by its own clock


PONDER = '''
import threading

from exsampling_patch import TAKE, Input, Node


class Ponder(Node):
    """Holds each take until the run stops, as a classifier busy with a burst does."""

    hang_after = 600.0
    take = Input(TAKE, "takes")

    def start(self):
        self.stopping = threading.Event()

    def on_take(self, take):
        self.stopping.wait(30)

    def stop(self):
        self.stopping.set()
        super().stop()
'''


def test_the_summary_counts_the_takes_a_stop_cut_off_and_says_they_come_again(tmp_path: Path) -> None:
    """Ctrl+C during a burst: the summary said only "some work did not finish in time"; the performer did not learn
    that takes were stored but not through the patch, nor that the next start passes them on."""
    import http.client

    from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "ponder.py").write_text(PONDER, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n" + recorder(free_port()) + "- {id: ponder, type: ponder}\n"
                     "links:\n- {from: phones.take, to: ponder.take}\n", encoding="utf-8")
    run = Run(str(patch), "--nodes", str(tmp_path / "nodes"))
    run.wait_for("running")
    url = re.search(r"phones open (http://\S+)", run.output())
    assert url is not None, run.output()
    host, token = url.group(1).split("/")[2], url.group(1).split("token=")[1]
    wav = encode_wav_pcm16(np.full(4800, 0.1, np.float32), 48000)
    for i in range(3):
        conn = http.client.HTTPConnection(host, timeout=10)
        conn.request("POST", "/api/takes", body=wav, headers={"X-Token": token, "X-Recorder": "Ana",
                                                               "X-Take-Id": f"burst-{i}", "Content-Type": "audio/wav"})
        assert conn.getresponse().status == 201
        conn.close()
    run.signal_group(signal.SIGINT)  # once the three are stored: the ponder node holds them
    assert run.wait(60) == 130, run.output()
    assert "3 takes from 'phones' not through the patch, passed on again at the next start" in run.output(), \
        run.output()
