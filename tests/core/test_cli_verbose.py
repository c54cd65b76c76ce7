"""`-v` means one thing wherever it is written: more detail in the log. Message hops are `run --trace`.

Before: `exsampling -v run PATCH` raised the log's detail, while `exsampling run PATCH -v` printed every message hop
between nodes on the console and left the log as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exsampling_patch.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
EXE = [sys.executable, "-m", "exsampling_patch"]


def test_v_before_or_after_the_command_is_the_same() -> None:
    parser = build_parser()
    before, after = parser.parse_args(["-v", "run", "p.yaml"]), parser.parse_args(["run", "p.yaml", "-v"])
    for args in (before, after):
        assert args.verbose + args.more_verbose == 1 and not args.hops, args
    both = parser.parse_args(["-v", "run", "p.yaml", "-v"])
    assert both.verbose + both.more_verbose == 2
    assert parser.parse_args(["run", "p.yaml", "--trace"]).hops


def test_run_v_adds_the_logs_detail(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    patch = tmp_path / "p.yaml"
    patch.write_text("exsampling_patch: 1\nname: v\nnodes:\n- id: inbox\n  type: folder_source\n"
                     "  params: {folder: inbox}\nlinks: []\n", encoding="utf-8")
    run = subprocess.run([*EXE, "run", str(patch), "-v", "--for", "0.2", "--log", "-", "--show-log", "none"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.returncode == 0, run.stderr
    assert " INFO exsampling.run: started inbox (folder_source)" in run.stderr, run.stderr  # the log's detail
