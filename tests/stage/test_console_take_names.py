"""A phone's take named short on its line, read at a glance under a burst. Each line named it by the recorder's long
id ("take Bo-20261206-143333-0001dff0 from Bo": 38 characters of a 150-250 character line); now by the id's last part
beside its phone ("take 0001dff0 from Bo"), which the show log's whole id ends with, to find it there."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import NodeStatus, TakeEnded
from tests.stage.helpers import Run, free_port, phones_yaml, upload_tone


def _line(take_id: str, recorder: str) -> str:
    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    console(NodeStatus("phones", {"take": take_id, "duration": 1.2}))
    console(TakeEnded("hh", take_id=take_id, recorder=recorder, fate="slot", slots=("HH",), reason="slot HH",
                      seconds=0.014))
    return err.getvalue().rstrip().split(" ", 1)[1]  # without the clock


def test_a_phones_take_is_named_by_its_ids_last_part_beside_the_phone() -> None:
    assert _line("Bo-20261206-143333-0001dff0", "Bo") == "take 0001dff0 from Bo, 1.2 s: slot HH (14 ms)"
    assert _line("Phone-1-20261206-143333-0012ab34", "Phone 1") == "take 0012ab34 from Phone 1, 1.2 s: slot HH (14 ms)"


def test_other_take_ids_keep_their_names() -> None:
    assert _line("take7", "Mika").startswith("take7 from Mika, ")
    assert _line("kick-1", "").startswith("take kick-1, ")
    assert _line("Bo-20261206-143333-0001dff0", "").startswith("take Bo-20261206-143333-0001dff0, ")  # no phone said


def test_a_runs_take_lines_name_the_phones_takes_short_and_the_show_log_has_their_whole_ids(tmp_path: Path) -> None:
    port = free_port()
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
nodes:
{phones_yaml(port)}
- {{id: hh, type: fixed_slot, params: {{slot: HH}}}}
- {{id: writer, type: take_writer, params: {{folder: library}}}}
links:
- {{from: phones.take, to: hh.take}}
- {{from: phones.take, to: writer.take}}
""", encoding="utf-8")
    show = tmp_path / "show.jsonl"
    run = Run(str(patch), "--show-log", str(show), "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("phones open http://")
        for _ in range(2):
            upload_tone(port, "Bo")
            run.wait_for(" from Bo, ")
    finally:
        run.signal_group()
        run.wait(60)
    err = "".join(run.stderr)
    takes = re.findall(r"^\d\d:\d\d:\d\d take ([0-9a-f]{8}) from Bo, [0-9.]+ s: ", err, re.M)
    assert len(set(takes)) == 2, err
    ids = {str(json.loads(line).get("take_id", "")) for line in show.read_text(encoding="utf-8").splitlines()}
    for short in takes:  # each findable in the show log, by its whole id
        assert any(re.fullmatch(rf"Bo-\d{{8}}-\d{{6}}-{short}", take_id) for take_id in ids), (short, ids)
