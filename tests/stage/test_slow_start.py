"""A node whose start() hangs is named on the console while the run waits for it, and Ctrl+C still stops the run.
Before, ``exsampling run`` printed nothing for as long as a start() hung: nothing said which node to look at."""

from __future__ import annotations

import signal
from pathlib import Path

from exsampling_patch.commands.start_watch import NOTICES, REMIND_EVERY, StartWatch
from tests.stage.helpers import Run

HANGING_NODE = '''
import time

from exsampling_patch import TAKE, Node, Output


class Hangs(Node):
    """Never finishes its start, as a node waiting on a device that does not answer."""

    type_name = "hangs"
    out = Output(TAKE, "nothing")

    def start(self) -> None:
        time.sleep(600.0)
'''


def test_a_hanging_start_is_named_and_ctrl_c_still_stops_the_run(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    (nodes / "hangs.py").write_text(HANGING_NODE, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"exsampling_patch: 1\nnode_dirs: [{nodes}]\nnodes:\n- id: stuck\n  type: hangs\nlinks: []\n",
                     encoding="utf-8")
    run = Run(str(patch), "--show-log", "none", "--log", str(tmp_path / "run.log"))
    try:
        run.wait_for("node 'stuck' (hangs) is still starting", timeout=60.0)
        run.signal_group(signal.SIGINT)
        code = run.wait(30.0)
    finally:
        if run.process.poll() is None:
            run.kill()
    output = run.output()
    assert code == 130, output
    assert "its start() has not returned (Ctrl+C stops the run)" in output, output
    assert "node 'stuck' never started: the run was stopped first" in output, output


def test_the_notices_come_once_then_again_while_the_start_goes_on() -> None:
    watch = StartWatch({"stuck": "hangs", "quick": "trim"}.__getitem__)
    assert watch.check(None, 0.0) is None
    assert watch.check("quick", 0.0) is None
    assert watch.check("stuck", 1.0) is None  # a new node: its own clock
    assert watch.check("stuck", 1.0 + NOTICES[0] - 0.1) is None
    first = watch.check("stuck", 1.0 + NOTICES[0])
    assert first is not None and first.startswith(f"node 'stuck' (hangs) is still starting, {NOTICES[0]:.0f} s in")
    assert watch.check("stuck", 1.0 + NOTICES[0] + 1.0) is None  # said once, not at every look
    told = [when for when in range(2, 2000) if watch.check("stuck", 1.0 + when) is not None]
    assert told[:3] == [NOTICES[1], NOTICES[1] + REMIND_EVERY, NOTICES[1] + 2 * REMIND_EVERY]
    assert watch.check("quick", 3000.0) is None  # the next node starts afresh
    assert watch.check("quick", 3000.0 + NOTICES[0]) is not None
