"""After a kill -9 mid-take, the next run passes the take on again and its summary says how many it recovered."""

from __future__ import annotations

import json
from pathlib import Path

from tests.stage.helpers import Run
from tests.stage.plugin_runs import drop_take, plugin_run_args, plugins_with, summary_after_ctrl_c
from tests.waiting import wait_for

HOLDS = '''import os
import threading
from pathlib import Path

from exsampling_patch.node import Input, Node
from exsampling_patch.ports import TAKE


class Holds(Node):
    """Holds a take for good where EXS_TEST_HOLD names a file (written as it does): the take is in flight."""

    type_name = "holds_takes"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        mark = os.environ.get("EXS_TEST_HOLD")
        if mark:
            Path(mark).write_text(take.take_id, encoding="utf-8")
            threading.Event().wait()
'''


def test_a_run_after_a_kill_counts_the_takes_it_recovered_in_its_summary(tmp_path: Path) -> None:
    """The restarted run told each take "recovered from the last run" on its line, but its summary ("takes ended:
    done 1") counted them as this run's: a performer who had recorded nothing since read them as new."""
    plugins = plugins_with(tmp_path, "holds.py", HOLDS)
    (tmp_path / "inbox").mkdir()
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- id: inbox
  type: folder_source
  params: {folder: inbox, poll_interval: 0.05}
- id: hold
  type: holds_takes
links:
- inbox.take -> hold.take
""", encoding="utf-8")
    args = plugin_run_args(tmp_path, patch, plugins)
    mark = tmp_path / "held"
    first = Run(*args, env={"EXS_TEST_HOLD": str(mark)})
    try:
        first.wait_for("running")
        drop_take(tmp_path / "inbox", "snare.wav")
        assert wait_for(mark.exists, 60), first.output()
    finally:
        first.kill()  # kill -9, the run and its children: the take never ended
    second = Run(*args, "--json", env={"EXS_TEST_HOLD": ""})
    # The take's end, then the stop: not a fixed --for 5 (room to read it again on a busy CI) waited out whole.
    summary_after_ctrl_c(second, lambda: second.wait_for('"TakeEnded"', 60))
    err = "".join(second.stderr)
    assert "; 1 take done (recovered from the last run)" in err, err  # it said "(1 of them ...)"
    stopped = json.loads(second.stdout[-1])
    assert stopped["event"] == "RunStopped" and stopped["recovered"] == 1, stopped


def test_the_summary_says_how_many_of_its_takes_were_recovered_in_words() -> None:
    from exsampling_patch.commands.run import recovered_text

    assert recovered_text(1, 1) == " (recovered from the last run)"
    assert recovered_text(3, 3) == " (all recovered from the last run)"
    assert recovered_text(1, 3) == " (1 of them recovered from the last run)"
