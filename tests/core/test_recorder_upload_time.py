"""``exsampling check`` warns of a web recorder whose ``min_upload_kbps`` a full-length take cannot keep pace with on a
slow network. The deadline was ``request_timeout`` whatever the take's size: ``max_seconds: 120`` with the default
120 s had every 120 s take (11.5 MB) cut off (408) on a network slower than 96 kB/s, and sent again, for ever. The
deadline now grows with the take (its size at ``min_upload_kbps``, ``request_timeout`` on top): the defaults wait for
a full-length take on a slow phone network (400 kbit/s), and a pace faster than that is what is warned of. (The page
waits for an upload's tries up to as long as the recorder does: test_recorder_page_upload_wait.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main


def recorder_patch(path: Path, params: str) -> Path:
    path.write_text("exsampling_patch: 1\nnodes:\n- id: rec\n  type: web_recorder\n  params:\n"
                    f"{params}links: []\n", encoding="utf-8")
    return path


def test_check_warns_of_a_pace_a_long_take_needs_a_fast_network_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = recorder_patch(tmp_path / "show.yaml", "    max_seconds: 120\n")
    assert main(["check", str(patch)]) == 0  # the defaults: 120 s + 11.5 MB at 100 kbit/s, past its 230 s at 50 kB/s
    assert capsys.readouterr().err == f"{patch}: ok\n"
    recorder_patch(patch, "    max_seconds: 120\n    min_upload_kbps: 2000\n")
    assert main(["check", str(patch)]) == 0  # a warning leaves the exit status alone
    assert capsys.readouterr().err.splitlines() == [
        f"warning: {patch}:7: node 'rec': parameter 'min_upload_kbps': 2000 kbit/s is fast for a full-length take "
        "(max_seconds, 120 s): a phone at 48 kHz sends one as up to 11.53 MB, which takes 230 s on a slow phone "
        "network (400 kbit/s), past the 120 s (request_timeout) + 46 s the recorder waits for it: every try "
        "is cut off (408) and the take sent again, never stored; make it at most 400 kbit/s or max_seconds shorter",
        f"{patch}: ok, but 1 warning"]
    recorder_patch(patch, "    max_seconds: 120\n    min_upload_kbps: 400\n")  # the slow network's pace: always in time
    assert main(["check", str(patch)]) == 0
    assert capsys.readouterr().err == f"{patch}: ok\n"
    recorder_patch(patch, "    max_seconds: 10\n    min_upload_kbps: 2000\n")  # 1 MB: 20 s at 50 kB/s, 124 s given
    assert main(["check", str(patch)]) == 0
    assert capsys.readouterr().err == f"{patch}: ok\n"
