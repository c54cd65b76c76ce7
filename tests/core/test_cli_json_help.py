"""`exsampling run --help` names what a script reads from `--json`'s last line, RunStopped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from exsampling_patch.cli import build_parser, main
from tests.core.test_docs import sub_parsers


def test_run_s_json_help_names_every_count_of_the_summary_line(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # The help listed the summary's counts without takes_told, the one the README tells scripts to read per take.
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: log\n  type: log\nlinks: []\n", encoding="utf-8")
    assert main(["run", str(patch), "--json", "--for", "0.1", "--log", "-", "--show-log", "none"]) == 0
    (summary,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"RunStopped"' in line]
    (action,) = [action for action in sub_parsers(build_parser())["run"]._actions if "--json" in action.option_strings]
    listed = re.search(r"RunStopped, the summary's counts \(([^)]*)\)", action.help or "")
    assert listed, action.help
    named = set(re.findall(r"\w+", listed.group(1)))
    assert sorted(set(summary) - {"event", "at"} - named) == []
