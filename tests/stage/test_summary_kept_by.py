"""A run stopped while a node keeps takes open names that node, and why, in its summary, not only their source."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.runtime.ledger import TakeLedger
from tests.stage.helpers import Run
from tests.stage.plugin_runs import drop_take, plugin_run_args, plugins_with, summary_after_ctrl_c
from tests.waiting import wait_for

KEEPS = '''from pathlib import Path

from exsampling_patch.node import Input, Node, Param
from exsampling_patch.ports import TAKE


class KeepsOpen(Node):
    """Keeps each take open for good, as an output whose device never answers, and says so in its error."""

    type_name = "keeps_open"
    take = Input(TAKE, "takes")
    mark = Param(str, "", "a file written with each take's id once kept")

    def on_take(self, take):
        self.keep_open(take)
        self.report_error("the device did not answer")
        Path(self.params["mark"]).write_text(take.take_id, encoding="utf-8")
'''


def test_a_stop_names_the_node_that_kept_takes_open_and_why(tmp_path: Path) -> None:
    """It said "1 take from 'inbox' not through the patch, passed on again at the next start": which node still had
    the take (Live not answering, a sampler waiting for its audio process) was left to guess."""
    plugins = plugins_with(tmp_path, "keeps.py", KEEPS)
    (tmp_path / "inbox").mkdir()
    mark = tmp_path / "kept"
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
nodes:
- id: inbox
  type: folder_source
  params: {{folder: inbox, poll_interval: 0.05}}
- id: device
  type: keeps_open
  params: {{mark: {str(mark)!r}}}
links:
- inbox.take -> device.take
""", encoding="utf-8")
    run = Run(*plugin_run_args(tmp_path, patch, plugins))

    def kept() -> None:
        run.wait_for("running")
        drop_take(tmp_path / "inbox", "snare.wav")
        assert wait_for(mark.exists, 60), run.output()

    summary = summary_after_ctrl_c(run, kept)
    assert "1 take kept by 'device' (the device did not answer): passed on again at the next start" in summary, \
        summary
    assert "from 'inbox' not through the patch" not in summary, summary  # the same take, not told twice


def test_the_ledger_names_where_an_open_take_waits_until_let_go() -> None:
    ledger = TakeLedger()
    ledger.begin("t1", "ana", "inbox", 1)
    assert ledger.keepers("t1") == {}
    assert ledger.keep("t1", "live")
    ledger.hold("t1", "slots", "waiting for its prediction")
    assert ledger.keepers("t1") == {"live": "", "slots": "waiting for its prediction"}
    ledger.unkeep("t1", "live")
    ledger.release("t1", "slots")
    assert ledger.keepers("t1") == {}
    assert not ledger.keep("gone", "live") and ledger.keepers("gone") == {}
