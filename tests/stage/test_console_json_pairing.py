"""``exsampling run --json``: the JSON lines are a script's, on stdout; stderr is the person's, and a show run for a
script's sake still needs its phones paired. The recorder's URL and QR code went to the JSON lines alone (a
``NodeStatus`` with ``url``): the terminal showed "running ..." and no way in for the phones."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.stage.helpers import Run, free_port
from tests.stage.test_exit import folder_patch


def test_json_keeps_the_recorders_url_and_qr_code_on_stderr(tmp_path: Path) -> None:
    patch = folder_patch(tmp_path, f"""- id: phones
  type: web_recorder
  params: {{port: {free_port()}, https: false, print_qr: true, folder: takes, state_folder: state}}
""")
    run = Run(str(patch), "--json", "--for", "0.3", "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    assert run.wait(60) == 0, run.output()
    err = "".join(run.stderr)
    assert re.search(r"^web_recorder 'phones': phones open http://\S+:\d+/\?token=\S+$", err, re.M), err
    assert "█" in err and err.count("phones open") == 1, err  # its QR code, once
    events = [json.loads(line) for line in run.stdout if line.strip()]  # stdout is the JSON lines' alone
    assert any(e["event"] == "NodeStatus" and "url" in e["status"] for e in events), events
    assert events[-1]["event"] == "RunStopped", events[-1]
