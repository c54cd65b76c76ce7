"""``exsampling check`` warns of a web recorder whose ``request_timeout`` a full-length take cannot be sent within on
a slow network. Before, ``max_seconds: 120`` with the default 120 s passed as "ok": a 120 s take (11.5 MB) needs
96 kB/s to arrive in time, and on a slower network every try was cut off (408) and sent again, for ever."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import exsampling_patch.nodes.web_recorder as web_recorder
from exsampling_patch.cli import main
from exsampling_patch.nodes.web_recorder.limits import PAGE_SLOWEST_BYTES_PER_S


def recorder_patch(path: Path, params: str) -> Path:
    path.write_text("exsampling_patch: 1\nnodes:\n- id: rec\n  type: web_recorder\n  params:\n"
                    f"{params}links: []\n", encoding="utf-8")
    return path


def test_check_warns_of_a_request_timeout_a_long_take_needs_a_fast_network_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = recorder_patch(tmp_path / "show.yaml", "    max_seconds: 120\n")
    assert main(["check", str(patch)]) == 0  # a warning leaves the exit status alone; at the node's line (a default)
    assert capsys.readouterr().err.splitlines() == [
        f"warning: {patch}:3: node 'rec': parameter 'request_timeout': 120 s is short for a full-length take "
        "(max_seconds, 120 s): a phone at 48 kHz sends one as up to 11.53 MB, which needs 96 kB/s to arrive in time; "
        "on a slower network (the phone's page waits for one as slow as 50 kB/s) every try is cut off (408) and the "
        "take sent again, never stored; make it at least 240 s or max_seconds shorter",
        f"{patch}: ok, but 1 warning"]
    recorder_patch(patch, "    max_seconds: 120\n    request_timeout: 240\n")
    assert main(["check", str(patch)]) == 0
    assert capsys.readouterr().err == f"{patch}: ok\n"
    recorder_patch(patch, "    max_seconds: 10\n")  # the default length: 1 MB, 20 s at 50 kB/s
    assert main(["check", str(patch)]) == 0
    assert capsys.readouterr().err == f"{patch}: ok\n"


def test_the_slowest_network_is_the_one_the_page_waits_for() -> None:
    page = (Path(web_recorder.__file__).parent / "static" / "app.js").read_text(encoding="utf-8")
    found = re.search(r"UPLOAD_SLOWEST_BYTES_PER_MS = (\d+)", page)
    assert found is not None and int(found.group(1)) * 1000 == PAGE_SLOWEST_BYTES_PER_S
