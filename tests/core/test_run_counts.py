"""The line a run starts with counts its nodes and links in words that read: "1 nodes, 1 links" before."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main


@pytest.mark.parametrize(("text", "counted"), [
    ("- id: log\n  type: log\nlinks: []\n", "1 node, 0 links"),
    ("- id: a\n  type: log\n- id: b\n  type: log\nlinks: []\n", "2 nodes, 0 links"),
    ("- id: tap\n  type: osc_receive\n  params: {port: 0}\n- id: log\n  type: log\n"
     "links:\n- tap.control -> log.message\n", "2 nodes, 1 link"),
], ids=["one-node", "two-nodes", "one-link"])
def test_the_running_line_counts_in_words_that_read(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                    counted: str) -> None:
    path = tmp_path / "show.yaml"
    path.write_text(f"exsampling_patch: 1\nname: show\nnodes:\n{text}", encoding="utf-8")
    assert main(["run", str(path), "--for", "0.1", "--log", "-", "--show-log", "none"]) == 0
    running = [line for line in capsys.readouterr().err.splitlines() if line.startswith("running show: ")]
    assert len(running) == 1 and running[0].startswith(f"running show: {counted}, started in "), running
