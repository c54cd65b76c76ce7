"""After a kill -9, the next run's summary says how many takes it recovered from each source: a web recorder's take
uploaded and a folder's files, none of which ended; and a run with none recovered says nothing of it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.takes import TakeStore
from tests.stage.helpers import Run, free_port, phones_yaml, upload_tone
from tests.stage.plugin_runs import drop_take, plugin_run_args, plugins_with, summary_after_ctrl_c
from tests.waiting import wait_for

TOKEN = "the-current-token-0123456789"
HOLDS = '''import os
from pathlib import Path

from exsampling_patch.node import Input, Node
from exsampling_patch.ports import TAKE


class Holds(Node):
    """Keeps each take open for good where EXS_TEST_MARKS names a folder (a file there per take): in flight."""

    type_name = "holds_open"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        marks = os.environ.get("EXS_TEST_MARKS")
        if marks:
            self.keep_open(take)
            (Path(marks) / take.take_id).write_text("", encoding="utf-8")
'''


def test_the_summary_after_a_kill_counts_the_recovered_takes_by_source(tmp_path: Path) -> None:
    """It said "3 takes done (all recovered from the last run)": from the phones, or from the folder, left to guess."""
    plugins = plugins_with(tmp_path, "holds.py", HOLDS)
    (tmp_path / "inbox").mkdir()
    port = free_port()
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
nodes:
{phones_yaml(port, TOKEN)}
- id: inbox
  type: folder_source
  params: {{folder: inbox, poll_interval: 0.05}}
- id: hold
  type: holds_open
- id: hold_files
  type: holds_open
links:
- phones.take -> hold.take
- inbox.take -> hold_files.take
""", encoding="utf-8")
    args = plugin_run_args(tmp_path, patch, plugins)
    marks = tmp_path / "marks"
    marks.mkdir()
    first = Run(*args, env={"EXS_TEST_MARKS": str(marks)})
    try:
        first.wait_for("running")
        upload_tone(port, "Ana", TOKEN)
        for name in ("snare.wav", "kick.wav"):
            drop_take(tmp_path / "inbox", name)
        wait_for(lambda: len(list(marks.iterdir())) >= 3, 60)
        assert len(list(marks.iterdir())) == 3, first.output()
    finally:
        first.kill()  # kill -9, the run and its children: no take ended
    second = Run(*args, "--json", env={"EXS_TEST_MARKS": ""})

    def each_take_ended() -> None:  # each take's end, then the stop: no time given to a run with nothing more to do
        for _ in range(3):
            second.wait_for('"TakeEnded"', 60)

    summary = summary_after_ctrl_c(second, each_take_ended)
    assert "; 3 takes done (all recovered from the last run: 2 from 'inbox', 1 from 'phones')" in summary, summary
    stopped = json.loads(second.stdout[-1])
    assert stopped["recovered"] == 3 and stopped["recovered_by_source"] == {"phones": 1, "inbox": 2}, stopped
    third = Run(*args, "--for", "1", "--json", env={"EXS_TEST_MARKS": ""})
    assert third.wait(60) == 0, third.output()
    assert "recovered" not in "".join(third.stderr), third.output()
    stopped = json.loads(third.stdout[-1])
    assert stopped["recovered"] == 0 and stopped["recovered_by_source"] == {}, stopped


@pytest.mark.jack
def test_a_microphone_s_takes_stored_before_a_kill_are_counted_recovered_once_each(tmp_path: Path) -> None:
    """The microphone's takes stored but not done when the last run was killed (as a kill -9 leaves its folder: the
    take and its sidecar, no journal line) are passed on at the start, each line and the summary saying so."""
    plugins = plugins_with(tmp_path, "holds.py", HOLDS)
    store = TakeStore(tmp_path / "takes")
    for n in (1, 2):
        store.store(Take(np.full(4800, 0.5, np.float32), 48000, take_id=f"mic-crashed-{n}", source="mic"))
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- id: mic
  type: microphone
  params: {folder: takes, sample_rate: 48000}
- id: hold
  type: holds_open
links:
- mic.take -> hold.take
""", encoding="utf-8")
    run = Run(*plugin_run_args(tmp_path, patch, plugins), env={"EXS_TEST_MARKS": ""})

    def each_take_told() -> None:  # each take's line, then the stop: no time given to a run that has nothing more to do
        for _ in range(2):
            run.wait_for("recovered from the last run", 60)

    summary = summary_after_ctrl_c(run, each_take_told)
    assert "; 2 takes done (all recovered from the last run)" in summary, summary
    lines = sorted(line for line in run.stderr if "recovered from the last run" in line and line is not summary)
    assert len(lines) == 2, run.output()
    assert "mic-crashed-1" in lines[0] or "mic-crashed-1" in lines[1], run.output()
